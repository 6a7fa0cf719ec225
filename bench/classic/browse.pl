% Pattern matching with segment wildcards over a generated database of symbol lists (after the classic browse):
% every pattern is matched against every item, and each match tried in every way it can succeed.
match([], []).
match([*|Pat], Dat) :- !, match_star(Pat, Dat).
match([X|PRest], [Y|DRest]) :- atomic(X), !, X == Y, match(PRest, DRest).
match([X|PRest], [Y|DRest]) :- compound(Y), X =.. [F|Xs], Y =.. [F|Ys], match(Xs, Ys), match(PRest, DRest).
match_star(Pat, Dat) :- match(Pat, Dat).
match_star(Pat, [_|Dat]) :- match_star(Pat, Dat).
item(0, S, S, []) :- !.
item(N, S0, S, [X|Xs]) :- S1 is (S0 * 1103515245 + 12345) mod 2147483648, K is (S1 >> 8) mod 5, sym(K, S1, X), N1 is N - 1, item(N1, S1, S, Xs).
sym(0, _, a). sym(1, _, b). sym(2, _, c).
sym(3, S, f(X, Y)) :- K1 is (S >> 4) mod 3, K2 is (S >> 12) mod 3, sym(K1, 0, X), sym(K2, 0, Y).
sym(4, _, a).
items(0, _, []) :- !.
items(N, S0, [I|Is]) :- item(14, S0, S1, I), N1 is N - 1, items(N1, S1, Is).
patterns([[a, *, b, *, a], [*, b, *, c, c, *], [a, *, f(*, b), *], [*, a, *, b, *, a, *, c], [*, f(a, *), *, f(*, c), *]]).
count([], _, C, C).
count([I|Is], Ps, C0, C) :- count_item(Ps, I, C0, C1), count(Is, Ps, C1, C).
count_item([], _, C, C).
count_item([P|Ps], I, C0, C) :- findall(x, match(P, I), Ms), length(Ms, K), C1 is C0 + K, count_item(Ps, I, C1, C).
run(C) :- items(150, 11, Is), patterns(Ps), count(Is, Ps, 0, C).
loop(0) :- !.
loop(N) :- run(_), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(C), write(browse(C)), nl.
