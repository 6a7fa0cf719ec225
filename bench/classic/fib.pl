% Doubly recursive Fibonacci: calls, comparisons and arithmetic.
fib(N, F) :- N < 2, !, F = N.
fib(N, F) :- N1 is N - 1, N2 is N - 2, fib(N1, F1), fib(N2, F2), F is F1 + F2.
loop(0) :- !.
loop(N) :- fib(21, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), fib(21, F), write(fib(F)), nl.
