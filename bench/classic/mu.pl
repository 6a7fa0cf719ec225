% Hofstadter's MU puzzle: iterative deepening search for a derivation of a string of the MIU system.
rule(1, S, R) :- app(_, [i], S), app(S, [u], R).
rule(2, [m|T], [m|R]) :- app(T, T, R).
rule(3, S, R) :- app(A, [i, i, i|B], S), app(A, [u|B], R).
rule(4, S, R) :- app(A, [u, u|B], S), app(A, B, R).
app([], L, L).
app([H|T], L, [H|R]) :- app(T, L, R).
derive(S, S, _, []).
derive(S, G, D, [N|Ns]) :- D > 0, D1 is D - 1, rule(N, S, S1), length(S1, L), L =< 12, derive(S1, G, D1, Ns).
solve(G, P) :- between(1, 8, D), derive([m, i], G, D, P), !.
run(Ps) :- findall(P, (member(G, [[m, u, i, i, u], [m, i, u, u, i, u], [m, u, u, i], [m, i, i, i, i, u]]), solve(G, P)), Ps).
loop(0) :- !.
loop(N) :- run(_), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(Ps), write(mu(Ps)), nl.
