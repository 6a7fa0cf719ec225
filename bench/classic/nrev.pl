% Naive reverse of a 30-element list (496 logical inferences per reverse).
app([], L, L).
app([H|T], L, [H|R]) :- app(T, L, R).
nrev([], []).
nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
range(N, N, [N]) :- !.
range(I, N, [I|T]) :- I < N, I1 is I + 1, range(I1, N, T).
loop(0, _, _) :- !.
loop(N, L, R) :- nrev(L, R), N1 is N - 1, loop(N1, L, R0), R0 = R.
bench(N) :- range(1, 30, L), loop(N, L, R), R = [F|_], write(nrev(F)), nl.
