% Primes below 5,000 by a sieve kept in the database: every number asserted, composites retracted.
:- dynamic(cand/1).
fill(I, N) :- I > N, !.
fill(I, N) :- assertz(cand(I)), I1 is I + 1, fill(I1, N).
strike(P, M, N) :- M > N, !, P > 0.
strike(P, M, N) :- ( retract(cand(M)) -> true ; true ), M1 is M + P, strike(P, M1, N).
sieve(P, N) :- P * P > N, !.
sieve(P, N) :- ( cand(P) -> M is P * P, strike(P, M, N) ; true ), P1 is P + 1, sieve(P1, N).
primes(N, C) :- retractall(cand(_)), fill(2, N), sieve(2, N), findall(X, cand(X), L), length(L, C).
loop(0) :- !.
loop(N) :- primes(5000, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), primes(5000, C), write(sieve(C)), nl.
