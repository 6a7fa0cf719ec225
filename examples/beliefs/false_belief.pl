% Sally-Anne: the classic false-belief test, with second-order beliefs.
pwmk_functional(at/2, [1]).
:- dynamic at/2.

at(marble, box).
believes(anne, at(marble, box)).
believes(sally, at(marble, basket)).
believes(anne, believes(sally, at(marble, basket))).
believes(sally, believes(anne, at(marble, basket))).

% Where an agent will look: where it believes the object is.
will_look(Agent, Object, Place) :- believes(Agent, at(Object, Place)).

% A false belief: the agent believes a place the object is not at.
false_belief(Agent, Object) :- believes(Agent, at(Object, P)), at(Object, Q), P \== Q.

% Two places at once cannot both be believed.
incompatible(at(O, P), at(O, Q)) :- P \== Q.
