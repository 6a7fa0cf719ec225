% N queens by placing one queen a column and checking as it goes (first solution of 12 queens, then all of 8).
queens(N, Qs) :- numlist_(1, N, Ns), place(Ns, [], Qs).
numlist_(N, N, [N]) :- !.
numlist_(I, N, [I|T]) :- I1 is I + 1, numlist_(I1, N, T).
place([], Qs, Qs).
place(Unplaced, Safe, Qs) :- sel(Q, Unplaced, R), noattack(Q, Safe, 1), place(R, [Q|Safe], Qs).
sel(X, [X|T], T).
sel(X, [H|T], [H|R]) :- sel(X, T, R).
noattack(_, [], _).
noattack(Q, [Q1|Qs], D) :- Q =\= Q1 + D, Q =\= Q1 - D, D1 is D + 1, noattack(Q, Qs, D1).
run(S, C) :- queens(12, S), !, findall(x, queens(8, _), L), length(L, C).
loop(0) :- !.
loop(N) :- run(_, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(S, C), write(queens(S, C)), nl.
