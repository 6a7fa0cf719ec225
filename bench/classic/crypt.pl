% SEND + MORE = MONEY by choosing digits and checking columns with carries as soon as they are known.
digit_sel(X, [X|T], T).
digit_sel(X, [H|T], [H|R]) :- digit_sel(X, T, R).
col(A, B, Cin, S, Cout) :- T is A + B + Cin, S is T mod 10, Cout is T // 10.
solve([S, E, N, D, M, O, R, Y]) :-
    Ds0 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    digit_sel(D, Ds0, Ds1), digit_sel(E, Ds1, Ds2),
    col(D, E, 0, Y, C1), digit_sel(Y, Ds2, Ds3),
    digit_sel(N, Ds3, Ds4), digit_sel(R, Ds4, Ds5),
    col(N, R, C1, E, C2),
    digit_sel(O, Ds5, Ds6),
    col(E, O, C2, N, C3),
    digit_sel(S, Ds6, Ds7), S > 0, digit_sel(M, Ds7, _), M > 0,
    col(S, M, C3, O, M).
% the same puzzle with every assignment of digits tried and checked only at the end of each column choice
brute([S, E, N, D, M, O, R, Y]) :-
    Ds0 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    digit_sel(S, Ds0, Ds1), S > 0, digit_sel(E, Ds1, Ds2), digit_sel(N, Ds2, Ds3), digit_sel(D, Ds3, Ds4),
    digit_sel(M, Ds4, Ds5), M =:= 1, digit_sel(O, Ds5, Ds6), digit_sel(R, Ds6, Ds7), digit_sel(Y, Ds7, _),
    1000 * S + 100 * E + 10 * N + D + 1000 * M + 100 * O + 10 * R + E =:= 10000 * M + 1000 * O + 100 * N + 10 * E + Y.
run(A, B) :- findall(L, solve(L), A), findall(L, brute(L), B).
loop(0) :- !.
loop(N) :- run(_, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(A, B), write(crypt(A, B)), nl.
