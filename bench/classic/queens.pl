% All solutions of the 8 queens problem by permutation and check.
queens(N, Qs) :- numlist_(1, N, Ns), perm(Ns, Qs), safe(Qs).
numlist_(N, N, [N]) :- !.
numlist_(I, N, [I|T]) :- I1 is I + 1, numlist_(I1, N, T).
perm([], []).
perm(L, [H|T]) :- sel(H, L, R), perm(R, T).
sel(X, [X|T], T).
sel(X, [H|T], [H|R]) :- sel(X, T, R).
safe([]).
safe([Q|Qs]) :- noattack(Q, Qs, 1), safe(Qs).
noattack(_, [], _).
noattack(Q, [Q1|Qs], D) :- Q =\= Q1 + D, Q =\= Q1 - D, D1 is D + 1, noattack(Q, Qs, D1).
count(C) :- findall(Q, queens(8, Q), L), length(L, C).
loop(0) :- !.
loop(N) :- count(_), N1 is N - 1, loop(N1).
bench(N) :- loop(N), count(C), write(queens(C)), nl.
