% Quicksort with difference lists over a pseudo-random list of 2,000 integers.
qsort([], R, R).
qsort([X|L], R, R0) :- partition(L, X, L1, L2), qsort(L2, R1, R0), qsort(L1, R, [X|R1]).
partition([], _, [], []).
partition([X|L], Y, [X|L1], L2) :- X =< Y, !, partition(L, Y, L1, L2).
partition([X|L], Y, L1, [X|L2]) :- partition(L, Y, L1, L2).
randoms(0, _, []) :- !.
randoms(N, S, [X|Xs]) :- S1 is (S * 1103515245 + 12345) mod 2147483648, X is S1 mod 100000, N1 is N - 1, randoms(N1, S1, Xs).
loop(0, _) :- !.
loop(N, L) :- qsort(L, _, []), N1 is N - 1, loop(N1, L).
bench(N) :- randoms(2000, 42, L), loop(N, L), qsort(L, S, []), S = [A|_], last_(S, Z), write(qsort(A, Z)), nl.
last_([X], X) :- !.
last_([_|T], X) :- last_(T, X).
