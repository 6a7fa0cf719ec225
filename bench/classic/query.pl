% The classic database query: pairs of countries of similar population density, over a generated table.
country(I, Pop, Area) :- between(1, 120, I), Pop is (I * 7919) mod 1000 + 10, Area is (I * 104729) mod 500 + 5.
:- dynamic(pop/2).
:- dynamic(area/2).
setup :- retractall(pop(_, _)), retractall(area(_, _)),
    forall(country(I, P, A), (assertz(pop(I, P)), assertz(area(I, A)))).
density(C, D) :- pop(C, P), area(C, A), D is (P * 100) // A.
query([C1, D1, C2, D2]) :- density(C1, D1), density(C2, D2), D1 > D2, T1 is 20 * D1, T2 is 21 * D2, T1 < T2.
run(K) :- findall(Q, query(Q), L), length(L, K).
loop(0) :- !.
loop(N) :- run(_), N1 is N - 1, loop(N1).
bench(N) :- setup, loop(N), run(K), write(query(K)), nl.
