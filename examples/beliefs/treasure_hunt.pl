% Treasure hunt: world facts, beliefs nested two deep, and rules over them.
% Consult with SWI-Prolog (swipl treasure_hunt.pl) or BeliefStore.Load("treasure_hunt.pl").

% at/2 holds one location per object or agent: a new location replaces the old one.
pwmk_functional(at/2, [1]).

:- dynamic has/2, at/2, connects/2.
:- discontiguous believes/2.

% The world.
at(agent_0, room_1).
at(agent_1, room_2).
at(treasure, room_3).
has(agent_0, key).
connects(room_1, door_a).
connects(room_2, door_b).
leads_to(door_a, room_3).
leads_to(door_b, room_3).

% What the agents believe.
believes(agent_0, has(agent_1, key)).
believes(agent_0, at(treasure, room_3)).
believes(agent_1, at(treasure, room_2)).
believes(agent_0, believes(agent_1, at(treasure, room_2))).
believes(agent_1, believes(agent_0, has(agent_0, key))).

% Who can open which door, in the world.
can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D).

% Who can reach the treasure, in the world.
can_reach(A, Thing) :- can_unlock(A, D), leads_to(D, R), at(Thing, R).

% An agent believes what it can derive from its own beliefs about keys and places.
believes(A, can_unlock(B, D)) :- believes(A, has(B, key)), at(B, R), connects(R, D).
believes(A, can_reach(B, Thing)) :- believes(A, can_unlock(B, D)), leads_to(D, R), believes(A, at(Thing, R)).
