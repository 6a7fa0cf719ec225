% Symbolic differentiation of four expressions (the shapes of the classic ops8, times10, divide10, log10).
d(U + V, X, DU + DV) :- !, d(U, X, DU), d(V, X, DV).
d(U - V, X, DU - DV) :- !, d(U, X, DU), d(V, X, DV).
d(U * V, X, DU * V + U * DV) :- !, d(U, X, DU), d(V, X, DV).
d(U / V, X, (DU * V - U * DV) / ^(V, 2)) :- !, d(U, X, DU), d(V, X, DV).
d(^(U, N), X, DU * N * ^(U, N1)) :- !, integer(N), N1 is N - 1, d(U, X, DU).
d(-U, X, -DU) :- !, d(U, X, DU).
d(exp(U), X, exp(U) * DU) :- !, d(U, X, DU).
d(log(U), X, DU / U) :- !, d(U, X, DU).
d(X, X, 1) :- !.
d(_, _, 0).
expr(ops8, (x + 1) * ((^(x, 2) + 2) * (^(x, 3) + 3))).
expr(times10, ((((((((x * x) * x) * x) * x) * x) * x) * x) * x) * x).
expr(divide10, ((((((((x / x) / x) / x) / x) / x) / x) / x) / x) / x).
expr(log10, log(log(log(log(log(log(log(log(log(log(x))))))))))).
size(T, 1) :- atomic(T), !.
size(T, S) :- T =.. [_|As], sizes(As, 1, S).
sizes([], S, S).
sizes([A|As], S0, S) :- size(A, SA), S1 is S0 + SA, sizes(As, S1, S).
once_all :- expr(_, E), d(E, x, _), fail.
once_all.
loop(0) :- !.
loop(N) :- once_all, N1 is N - 1, loop(N1).
bench(N) :- loop(N), findall(Name-S, (expr(Name, E), d(E, x, D), size(D, S)), L), write(deriv(L)), nl.
