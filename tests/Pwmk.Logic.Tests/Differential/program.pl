% Program consulted before the differential queries (same in both engines).
:- dynamic fact/1, counter/1, believes/2.
parent(tom, bob). parent(tom, liz). parent(bob, ann). parent(bob, pat). parent(pat, jim).
grandparent(X, Z) :- parent(X, Y), parent(Y, Z).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
nrev([], []).
nrev([H|T], R) :- nrev(T, RT), append(RT, [H], R).
len([], 0).
len([_|T], N) :- len(T, N0), N is N0+1.
max_of(X, Y, X) :- X >= Y, !.
max_of(_, Y, Y).
classify(X, neg) :- X < 0, !.
classify(0, zero) :- !.
classify(_, pos).
color(red). color(green). color(blue).
pick(X) :- color(X), X \== green.
counter(0).
incr :- retract(counter(N)), N1 is N+1, assertz(counter(N1)).
believes(agent_0, at(key, room_1)).
believes(agent_0, has(agent_1, key)).
believes(agent_1, at(key, room_2)).
believes(agent_1, believes(agent_0, at(key, room_2))).
believes(agent_2, believes(agent_1, believes(agent_0, at(treasure, room_3)))).
has(agent_0, key).
at(agent_0, room_1).
connects(room_1, door_a).
can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D).
:- table path/2.
edge(a, b). edge(b, c). edge(c, a). edge(c, d). edge(d, e).
path(X, Y) :- path(X, Z), edge(Z, Y).
path(X, Y) :- edge(X, Y).
:- table fib/2.
fib(0, 0).
fib(1, 1).
fib(N, F) :- N > 1, N1 is N-1, N2 is N-2, fib(N1, F1), fib(N2, F2), F is F1+F2.
:- table conn/2.
conn(X, Y) :- conn(Y, X).
conn(X, Y) :- link(X, Y).
link(p, q). link(q, r).
:- dynamic rt/2.
:- table tpair/2.
tpair(X, Y) :- member(X-Y, [a-f(_), b-g(Z, Z), c-"str", d-1.5, e-[1, 2|_], f-123456789012345678901234567890, a-f(_)]).
:- table tsame/2.
tsame(X, X) :- member(X, [a, b]).
tsame(a, b).
greeting --> [hello], name.
name --> [world].
name --> [prolog].
digits([D|T]) --> digit(D), digits(T).
digits([D]) --> digit(D).
digit(D) --> [D], { code_type(D, digit) }.
sq(X, Y) :- Y is X*X.
add(X, Y, Z) :- Z is X+Y.
gt(N, X) :- X > N.
cmp_len(O, A, B) :- atom_length(A, LA), atom_length(B, LB), compare(O, LA-A, LB-B).
throws(X) :- throw(my_ball(X)).
deep(0, z) :- !.
deep(N, s(T)) :- N1 is N-1, deep(N1, T).
count_down(0) :- !.
count_down(N) :- N1 is N-1, count_down(N1).
