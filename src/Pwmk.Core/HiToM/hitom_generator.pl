% Hi-ToM as its generator computed the published labels: R1-R4 with the quirks Q1-Q3.

reaches(T, Chain, O, C, 'R1') :- seen(T, O, C, P), drawn_from(Chain, P).
% Q1: a move reaches only in-order subsequences of [the others present, in exit order] + [the mover].
reaches(T, Chain, O, C, 'Q1') :- moved(T, M, O, C, P), witness_order(T, M, P, W), Chain = [_|_], subsequence(Chain, W).
% R3, and Q2: the speaker thinks every listener believes him.
reaches(T, [L], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
reaches(T, [L, S], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
reaches(T, [S, L], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
reaches(T, [S, L], O, C, 'Q2') :- told(T, S, L, O, C).
% Q3: a public claim reaches only (b), (b, S), (S, b) for each trusting b; and Q2.
reaches(T, [B], O, C, 'Q3') :- claimed(T, S, O, C, H), member(B, H), trusts(T, B, S).
reaches(T, [B, S], O, C, 'Q3') :- claimed(T, S, O, C, H), member(B, H), trusts(T, B, S).
reaches(T, [S, B], O, C, 'Q3') :- claimed(T, S, O, C, H), member(B, H), trusts(T, B, S).
reaches(T, [S, L], O, C, 'Q2') :- claimed(T, S, O, C, H), member(L, H), L \== S.

witness_order(T, M, P, W) :-
    ( chapter_at(T, Order) -> true ; Order = [] ),
    findall(X, (member(X, Order), X \== M, memberchk(X, P)), InOrder),
    findall(Y, (agent(Y), Y \== M, memberchk(Y, P), \+ memberchk(Y, Order)), Others),
    append(InOrder, Others, W0),
    append(W0, [M], W).

subsequence([], _).
subsequence([A|As], [A|Ws]) :- subsequence(As, Ws).
subsequence([A|As], [_|Ws]) :- subsequence([A|As], Ws).
