% Flattening nested lists and trees of terms into lists (the shape of the classic flatten), with accumulators.
flat(X, Acc, [X|Acc]) :- var(X), !.
flat([], Acc, Acc) :- !.
flat([H|T], Acc0, Acc) :- !, flat(T, Acc0, Acc1), flat(H, Acc1, Acc).
flat(X, Acc, [X|Acc]).
leaves(T, Acc, [T|Acc]) :- atomic(T), !.
leaves(T, Acc0, Acc) :- T =.. [_|As], leaves_list(As, Acc0, Acc).
leaves_list([], Acc, Acc).
leaves_list([A|As], Acc0, Acc) :- leaves_list(As, Acc0, Acc1), leaves(A, Acc1, Acc).
nest(0, X, X) :- !.
nest(N, X, [X, [N, [X]], N|Y]) :- N1 is N - 1, nest(N1, X, Y).
tree(0, leaf) :- !.
tree(N, node(L, N, R)) :- N1 is N - 1, tree(N1, L), tree(N1, R).
run(A, B) :- nest(300, a, L), flat(L, [], F), length(F, A), tree(12, T), leaves(T, [], Ls), length(Ls, B).
loop(0) :- !.
loop(N) :- run(_, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(A, B), write(flatten(A, B)), nl.
