% Tabled left-recursive reachability between rooms, and what agents believe about it.
:- table path/2.

edge(room_1, room_2).
edge(room_2, room_3).
edge(room_3, room_1).
edge(room_3, room_4).

path(X, Y) :- path(X, Z), edge(Z, Y).
path(X, Y) :- edge(X, Y).

believes(agent_0, edge(room_4, room_5)).
believes(agent_0, believes(agent_1, edge(room_5, room_6))).

% An agent believes a room is reachable when the world says so.
believes(_, reachable(X, Y)) :- path(X, Y).
