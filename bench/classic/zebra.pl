% The five houses puzzle: unification over partially instantiated structures.
right_of(X, Y, [Y, X|_]).
right_of(X, Y, [_|T]) :- right_of(X, Y, T).
next_to(X, Y, L) :- right_of(X, Y, L).
next_to(X, Y, L) :- right_of(Y, X, L).
mem(X, [X|_]).
mem(X, [_|T]) :- mem(X, T).
houses([h(_, norwegian, _, _, _), _, h(_, _, _, milk, _), _, _]).
zebra(Zebra, Water) :-
    houses(Hs),
    mem(h(red, english, _, _, _), Hs),
    mem(h(_, spanish, dog, _, _), Hs),
    mem(h(green, _, _, coffee, _), Hs),
    mem(h(_, ukrainian, _, tea, _), Hs),
    right_of(h(green, _, _, _, _), h(ivory, _, _, _, _), Hs),
    mem(h(_, _, snails, _, winston), Hs),
    mem(h(yellow, _, _, _, kools), Hs),
    next_to(h(_, _, _, _, chesterfield), h(_, _, fox, _, _), Hs),
    next_to(h(_, _, _, _, kools), h(_, _, horse, _, _), Hs),
    mem(h(_, _, _, orange_juice, lucky), Hs),
    mem(h(_, japanese, _, _, parliament), Hs),
    next_to(h(_, norwegian, _, _, _), h(blue, _, _, _, _), Hs),
    mem(h(_, Zebra, zebra, _, _), Hs),
    mem(h(_, Water, _, water, _), Hs).
loop(0) :- !.
loop(N) :- zebra(_, _), !, N1 is N - 1, loop(N1).
bench(N) :- loop(N), zebra(Z, W), !, write(zebra(Z, W)), nl.
