% PWMK belief-store library: predicates written in Prolog itself.
% Loaded into every engine before user code; user files may redefine them.

once(G) :- call(G), !.
ignore(G) :- (call(G) -> true ; true).
\+(G) :- \+ call(G).
not(G) :- \+ call(G).
forall(C, A) :- \+ (call(C), \+ call(A)).
(G1, G2) :- call((G1, G2)).
(G1 ; G2) :- call((G1 ; G2)).
(C -> T) :- call((C -> T)).
(C *-> T) :- call((C *-> T)).
findall(T, G, L) :- findall(T, call(G), L).
findall(T, G, L, Tail) :- findall(T, G, L0), append(L0, Tail, L).

append([], L, L).
append([H|T], L, [H|R]) :- append(T, L, R).
append(Ls, L) :- '$append_all'(Ls, L).
'$append_all'([], []).
'$append_all'([L|Ls], As) :- append(L, Ws, As), '$append_all'(Ls, Ws).

member(X, [X|_]).
member(X, [_|T]) :- member(X, T).
memberchk(X, L) :- member(X, L), !.

reverse(L, R) :- '$reverse'(L, [], R).
'$reverse'([], A, A).
'$reverse'([H|T], A, R) :- '$reverse'(T, [H|A], R).

nth0(I, L, E) :- integer(I), !, I >= 0, '$nth_det'(I, L, E).
nth0(I, L, E) :- var(I), !, '$nth_gen'(L, E, 0, I).
nth0(I, _, _) :- throw(error(type_error(integer, I), context(nth0/3, _))).
nth1(I, L, E) :- integer(I), !, I >= 1, I0 is I-1, '$nth_det'(I0, L, E).
nth1(I, L, E) :- var(I), !, '$nth_gen'(L, E, 1, I).
nth1(I, _, _) :- throw(error(type_error(integer, I), context(nth1/3, _))).
'$nth_det'(0, [E|_], E) :- !.
'$nth_det'(I, [_|T], E) :- I1 is I-1, '$nth_det'(I1, T, E).
'$nth_gen'([E|_], E, B, B).
'$nth_gen'([_|T], E, B0, B) :- B1 is B0+1, '$nth_gen'(T, E, B1, B).

last([X], X) :- !.
last([_|T], X) :- last(T, X).
sum_list(L, S) :- '$sum_list'(L, 0, S).
'$sum_list'([], S, S).
'$sum_list'([X|Xs], S0, S) :- S1 is S0+X, '$sum_list'(Xs, S1, S).
sumlist(L, S) :- sum_list(L, S).
max_list([H|T], M) :- '$max_list'(T, H, M).
'$max_list'([], M, M).
'$max_list'([H|T], M0, M) :- M1 is max(M0, H), '$max_list'(T, M1, M).
min_list([H|T], M) :- '$min_list'(T, H, M).
'$min_list'([], M, M).
'$min_list'([H|T], M0, M) :- M1 is min(M0, H), '$min_list'(T, M1, M).
max_member(M, L) :- '$max_member'(L, M).
'$max_member'([H|T], M) :- '$max_member_'(T, H, M).
'$max_member_'([], M, M).
'$max_member_'([H|T], M0, M) :- ( H @> M0 -> M1 = H ; M1 = M0 ), '$max_member_'(T, M1, M).
min_member(M, L) :- '$min_member'(L, M).
'$min_member'([H|T], M) :- '$min_member_'(T, H, M).
'$min_member_'([], M, M).
'$min_member_'([H|T], M0, M) :- ( H @< M0 -> M1 = H ; M1 = M0 ), '$min_member_'(T, M1, M).
numlist(L, H, R) :- L =< H, '$numlist'(L, H, R).
'$numlist'(H, H, [H]) :- !.
'$numlist'(L, H, [L|T]) :- L1 is L+1, '$numlist'(L1, H, T).

select(X, [X|T], T).
select(X, [H|T], [H|R]) :- select(X, T, R).
selectchk(X, L, R) :- select(X, L, R), !.
select(X, Xs, Y, Ys) :- '$select4'(Xs, X, Y, Ys).
'$select4'([X|T], X, Y, [Y|T]).
'$select4'([H|T], X, Y, [H|T2]) :- '$select4'(T, X, Y, T2).
exclude(_, [], []).
exclude(P, [H|T], R) :- ( call(P, H) -> R = R1 ; R = [H|R1] ), exclude(P, T, R1).
include(_, [], []).
include(P, [H|T], R) :- ( call(P, H) -> R = [H|R1] ; R = R1 ), include(P, T, R1).
partition(_, [], [], []).
partition(P, [H|T], I, E) :- ( call(P, H) -> I = [H|I1], E = E1 ; I = I1, E = [H|E1] ), partition(P, T, I1, E1).
delete([], _, []).
delete([H|T], X, R) :- ( H \= X -> R = [H|R1] ; R = R1 ), delete(T, X, R1).
subtract([], _, []).
subtract([H|T], L, R) :- ( memberchk(H, L) -> R = R1 ; R = [H|R1] ), subtract(T, L, R1).
intersection([], _, []).
intersection([H|T], L, R) :- ( memberchk(H, L) -> R = [H|R1] ; R = R1 ), intersection(T, L, R1).
union([], L, L).
union([H|T], L, R) :- ( memberchk(H, L) -> R = R1 ; R = [H|R1] ), union(T, L, R1).
list_to_set(L, S) :- '$lts'(L, [], S).
'$lts'([], _, []).
'$lts'([H|T], Seen, R) :- ( '$memberchk_eq'(H, Seen) -> R = R1 ; R = [H|R1] ), '$lts'(T, [H|Seen], R1).
'$memberchk_eq'(X, [Y|T]) :- ( X == Y -> true ; '$memberchk_eq'(X, T) ).
permutation([], []).
permutation(L, [H|T]) :- select(H, L, R), permutation(R, T).
flatten(L, F) :- '$flatten'(L, [], F0), !, F = F0.
'$flatten'(V, T, [V|T]) :- var(V), !.
'$flatten'([], T, T) :- !.
'$flatten'([H|Rest], T, F) :- !, '$flatten'(H, F1, F), '$flatten'(Rest, T, F1).
'$flatten'(A, T, [A|T]).
nextto(X, Y, [X,Y|_]).
nextto(X, Y, [_|T]) :- nextto(X, Y, T).
pairs_keys_values([], [], []).
pairs_keys_values([K-V|T], [K|Ks], [V|Vs]) :- pairs_keys_values(T, Ks, Vs).
pairs_keys([], []).
pairs_keys([K-_|T], [K|Ks]) :- pairs_keys(T, Ks).
pairs_values([], []).
pairs_values([_-V|T], [V|Vs]) :- pairs_values(T, Vs).

maplist(_, []).
maplist(G, [A|As]) :- call(G, A), maplist(G, As).
maplist(_, [], []).
maplist(G, [A|As], [B|Bs]) :- call(G, A, B), maplist(G, As, Bs).
maplist(_, [], [], []).
maplist(G, [A|As], [B|Bs], [C|Cs]) :- call(G, A, B, C), maplist(G, As, Bs, Cs).
maplist(_, [], [], [], []).
maplist(G, [A|As], [B|Bs], [C|Cs], [D|Ds]) :- call(G, A, B, C, D), maplist(G, As, Bs, Cs, Ds).
foldl(G, L, A0, A) :- '$foldl'(L, G, A0, A).
'$foldl'([], _, A, A).
'$foldl'([X|Xs], G, A0, A) :- call(G, X, A0, A1), '$foldl'(Xs, G, A1, A).
foldl(G, L1, L2, A0, A) :- '$foldl'(L1, L2, G, A0, A).
'$foldl'([], [], _, A, A).
'$foldl'([X|Xs], [Y|Ys], G, A0, A) :- call(G, X, Y, A0, A1), '$foldl'(Xs, Ys, G, A1, A).

predsort(P, L, Sorted) :- length(L, N), ( N < 2 -> '$predsort_small'(P, L, Sorted) ; '$predsort'(P, N, L, _, Sorted1), !, Sorted = Sorted1 ).
'$predsort_small'(_, [], []).
'$predsort_small'(_, [X], [X]).
'$predsort'(P, 2, [X1,X2|L], L, R) :- !, call(P, Delta, X1, X2), '$sort2'(Delta, X1, X2, R).
'$predsort'(_, 1, [X|L], L, [X]) :- !.
'$predsort'(_, 0, L, L, []) :- !.
'$predsort'(P, N, L1, L3, R) :- N1 is N // 2, plus(N1, N2, N), '$predsort'(P, N1, L1, L2, R1), '$predsort'(P, N2, L2, L3, R2), '$predmerge'(P, R1, R2, R).
'$sort2'(<, X1, X2, [X1,X2]).
'$sort2'(=, X1, _, [X1]).
'$sort2'(>, X1, X2, [X2,X1]).
'$predmerge'(_, [], R, R) :- !.
'$predmerge'(_, R, [], R) :- !.
'$predmerge'(P, [H1|T1], [H2|T2], Result) :- call(P, Delta, H1, H2), !, '$predmerge_'(Delta, P, H1, H2, T1, T2, Result).
'$predmerge_'(<, P, H1, H2, T1, T2, [H1|R]) :- '$predmerge'(P, T1, [H2|T2], R).
'$predmerge_'(=, P, H1, _, T1, T2, [H1|R]) :- '$predmerge'(P, T1, T2, R).
'$predmerge_'(>, P, H1, H2, T1, T2, [H2|R]) :- '$predmerge'(P, [H1|T1], T2, R).

aggregate_all(count, G, C) :- !, findall(x, G, L), length(L, C).
aggregate_all(count(T), G, C) :- !, findall(T, G, L), length(L, C).
aggregate_all(sum(E), G, S) :- !, findall(E, G, L), sum_list(L, S).
aggregate_all(max(E), G, M) :- !, findall(E, G, L), L \== [], max_list(L, M).
aggregate_all(min(E), G, M) :- !, findall(E, G, L), L \== [], min_list(L, M).
aggregate_all(max(E, W), G, max(M, MW)) :- !, findall(E-W, G, L), L = [H|T], '$agg_max'(T, H, M-MW).
aggregate_all(min(E, W), G, min(M, MW)) :- !, findall(E-W, G, L), L = [H|T], '$agg_min'(T, H, M-MW).
aggregate_all(bag(E), G, L) :- !, findall(E, G, L).
aggregate_all(set(E), G, S) :- !, findall(E, G, L), sort(L, S).
aggregate_all(Spec, _, _) :- throw(error(domain_error(aggregate_spec, Spec), context(aggregate_all/3, _))).
'$agg_max'([], M, M).
'$agg_max'([E-W|T], E0-W0, M) :- ( E > E0 -> '$agg_max'(T, E-W, M) ; '$agg_max'(T, E0-W0, M) ).
'$agg_min'([], M, M).
'$agg_min'([E-W|T], E0-W0, M) :- ( E < E0 -> '$agg_min'(T, E-W, M) ; '$agg_min'(T, E0-W0, M) ).

bagof(T, G, L) :-
    '$free_variables'(T, G, G1, Vs),
    (   Vs == []
    ->  findall(T, G1, L), L \== []
    ;   W =.. ['$w'|Vs],
        findall(W-T, G1, Pairs), Pairs \== [],
        keysort(Pairs, Sorted),
        '$bagof_groups'(Sorted, Groups),
        member(W-L, Groups)
    ).
setof(T, G, S) :- bagof(T, G, L), sort(L, S).
'$free_variables'(T, G, G1, Vs) :-
    '$strip_carets'(G, G1, Bound),
    term_variables(G1, GV),
    term_variables(T-Bound, Excl),
    '$vars_subtract'(GV, Excl, Vs).
'$strip_carets'(G, G, []) :- var(G), !.
'$strip_carets'(V^G, G1, [V|B]) :- !, '$strip_carets'(G, G1, B).
'$strip_carets'(G, G, []).
'$vars_subtract'([], _, []).
'$vars_subtract'([V|Vs], Excl, R) :- ( '$memberchk_eq'(V, Excl) -> R = R1 ; R = [V|R1] ), '$vars_subtract'(Vs, Excl, R1).
'$bagof_groups'([], []).
'$bagof_groups'([K-V|T], [K-[V|Vs]|Gs]) :- '$bagof_same'(K, T, Vs, Rest), '$bagof_groups'(Rest, Gs).
'$bagof_same'(K, [K1-V|T], [V|Vs], Rest) :- K1 =@= K, !, K1 = K, '$bagof_same'(K, T, Vs, Rest).
'$bagof_same'(_, Rest, [], Rest).

phrase(G, L) :- phrase(G, L, []).
phrase(G, L, R) :- call(G, L, R).

concat_atom(L, R) :- atomic_list_concat(L, R).
concat_atom(L, Sep, R) :- atomic_list_concat(L, Sep, R).
partition(P, L, I, E, G) :- '$partition5'(L, P, I, E, G).
'$partition5'([], _, [], [], []).
'$partition5'([H|T], P, I, E, G) :- call(P, O, H), '$partition5_'(O, H, P, T, I, E, G).
'$partition5_'(<, H, P, T, [H|I], E, G) :- '$partition5'(T, P, I, E, G).
'$partition5_'(=, H, P, T, I, [H|E], G) :- '$partition5'(T, P, I, E, G).
'$partition5_'(>, H, P, T, I, E, [H|G]) :- '$partition5'(T, P, I, E, G).

% DCG translation (used by consult for Head --> Body rules)
dcg_translate_rule((H0 --> B0), (H :- B)) :-
    '$dcg_nt'(H0, S0, S, H),
    '$dcg_body'(B0, S0, S, B).
'$dcg_nt'(NT, S0, S, G) :- NT =.. L, append(L, [S0, S], L2), G =.. L2.
'$dcg_body'(V, S0, S, phrase(V, S0, S)) :- var(V), !.
'$dcg_body'((A, B), S0, S, (GA, GB)) :- !, '$dcg_body'(A, S0, S1, GA), '$dcg_body'(B, S1, S, GB).
'$dcg_body'((A ; B), S0, S, (GA ; GB)) :- !, '$dcg_body'(A, S0, S, GA), '$dcg_body'(B, S0, S, GB).
'$dcg_body'((A | B), S0, S, (GA ; GB)) :- !, '$dcg_body'(A, S0, S, GA), '$dcg_body'(B, S0, S, GB).
'$dcg_body'((A -> B), S0, S, (GA -> GB)) :- !, '$dcg_body'(A, S0, S1, GA), '$dcg_body'(B, S1, S, GB).
'$dcg_body'(\+ A, S0, S, (\+ GA, S0 = S)) :- !, '$dcg_body'(A, S0, _, GA).
'$dcg_body'({G}, S0, S, (G, S0 = S)) :- !.
'$dcg_body'(!, S0, S, (!, S0 = S)) :- !.
'$dcg_body'([], S0, S, S0 = S) :- !.
'$dcg_body'(L, S0, S, S0 = L1) :- is_list(L), !, append(L, S, L1).
'$dcg_body'(L, S0, S, S0 = L1) :- string(L), !, string_codes(L, Cs), append(Cs, S, L1).
'$dcg_body'(call(G), S0, S, call(G, S0, S)) :- !.
'$dcg_body'(NT, S0, S, G) :- '$dcg_nt'(NT, S0, S, G).

% yall lambdas: Params>>Body and Free/Params>>Body (the lambda is copied before each call)
'>>'(Ps, B) :- '$lambda'(Ps, B, []).
'>>'(Ps, B, A1) :- '$lambda'(Ps, B, [A1]).
'>>'(Ps, B, A1, A2) :- '$lambda'(Ps, B, [A1, A2]).
'>>'(Ps, B, A1, A2, A3) :- '$lambda'(Ps, B, [A1, A2, A3]).
'>>'(Ps, B, A1, A2, A3, A4) :- '$lambda'(Ps, B, [A1, A2, A3, A4]).
'>>'(Ps, B, A1, A2, A3, A4, A5) :- '$lambda'(Ps, B, [A1, A2, A3, A4, A5]).
'$lambda'(Free/Ps0, B0, Args) :- !,
    copy_term(Free/'$l'(Ps0, B0), Free1/'$l'(Ps, B)), Free1 = Free,
    '$lambda_call'(Ps, B, Args).
'$lambda'(Ps0, B0, Args) :-
    copy_term('$l'(Ps0, B0), '$l'(Ps, B)),
    '$lambda_call'(Ps, B, Args).
'$lambda_call'(Ps, B, Args) :-
    '$lambda_bind'(Ps, Args, Rest),
    (   Rest == [] -> call(B) ; G =.. [call, B|Rest], call(G) ).
'$lambda_bind'([], Rest, Rest) :- !.
'$lambda_bind'([P|Ps], [A|As], Rest) :- !, P = A, '$lambda_bind'(Ps, As, Rest).
'$lambda_bind'(_, [], []).

% Declarations of other Prolog systems that change nothing here, so that programs written for them load:
% modes, module plumbing (there are no modules: everything is visible), style and dialect settings.
mode(_).
multifile(_).
public(_).
meta_predicate(_).
module_transparent(_).
non_terminal(_).
det(_).
noprofile(_).
volatile(_).
license(_).
encoding(_).
expects_dialect(_).
style_check(_).
module(_, _).
thread_local(Spec) :- dynamic(Spec).
use_module(Spec) :- '$library_source'(Spec, use_module/1).
use_module(Spec, _) :- '$library_source'(Spec, use_module/2).
ensure_loaded(Spec) :- '$library_source'(Spec, ensure_loaded/1).
% the library is built in; loading files is up to the host (pwmk query --program a.pl b.pl)
'$library_source'(library(_), _) :- !.
'$library_source'(Spec, PI) :- throw(error(permission_error(load, source_sink, Spec), context(PI, 'files are loaded by the host, not by the program'))).
