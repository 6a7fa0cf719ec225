% Hi-ToM in the belief store: what a story's facts mean. Shared by both rule sets.
%
% A story is stored as facts, T being its line number:
%   agent(A)                    every agent, in order of first mention
%   chapter(T, Order)           a group entered a room other than the waiting room; Order is its exit order
%   seen(T, O, C, Present)      everyone in Present saw the O in the C (on entering, or placed by the narrator)
%   moved(T, M, O, C, Present)  M moved the O to the C while Present (M included) watched
%   told(T, S, L, O, C)         S privately told L that the O is in the C
%   claimed(T, S, O, C, Heard)  S publicly claimed it, heard by everyone in Heard
% A rule set defines reaches(T, Chain, O, C, Rule): the event at line T makes Chain (distinct agents,
% outermost believer first) believe the O is in the C, by Rule.

:- dynamic agent/1.
:- dynamic chapter/2.
:- dynamic seen/4.
:- dynamic moved/5.
:- dynamic told/5.
:- dynamic claimed/5.

% What a chain believes: the last event that reached it decides (Rule, at line T).
decided(Chain, O, C, T, Rule) :-
    reaches(T, Chain, O, C, Rule),
    \+ (reaches(T2, Chain, O, _, _), T2 > T).

% believes(a, believes(b, at(O, C))): the question "where does a think b thinks the O is".
believes(A, B) :-
    nested(believes(A, B), Chain, at(O, C)),
    maplist(agent, Chain),
    distinct(Chain),
    decided(Chain, O, C, _, _).

nested(believes(A, B), [A|Chain], F) :- nonvar(B), B = believes(_, _), !, nested(B, Chain, F).
nested(believes(A, F), [A], F).

distinct([]).
distinct([A|As]) :- \+ memberchk(A, As), distinct(As).

% Where the O really is: its last placement or move.
at(O, C) :- located(T, O, C), \+ (located(T2, O, _), T2 > T).
located(T, O, C) :- seen(T, O, C, _).
located(T, O, C) :- moved(T, _, O, C, _).

% The chapter in force at line T.
chapter_at(T, Order) :- chapter(T0, Order), T0 =< T, \+ (chapter(T1, _), T1 > T0, T1 =< T).

% R2: L trusts S when L is not in the chapter, or both are and L leaves first; before any chapter, everyone trusts.
trusts(T, L, S) :- L \== S, ( chapter_at(T, Order) -> trusts_in(Order, L, S) ; true ).
trusts_in(Order, L, _) :- \+ memberchk(L, Order), !.
trusts_in(Order, L, S) :- nth0(I, Order, L), nth0(J, Order, S), I < J.

% Chain is made of agents of Group.
drawn_from([], _).
drawn_from([A|As], Group) :- member(A, Group), drawn_from(As, Group).
