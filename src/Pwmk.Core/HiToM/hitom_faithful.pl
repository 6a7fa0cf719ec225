% Hi-ToM, the rules as stated (R1-R4).

% R1: seeing and moves are common knowledge among everyone present.
reaches(T, Chain, O, C, 'R1') :- seen(T, O, C, P), drawn_from(Chain, P).
reaches(T, Chain, O, C, 'R1') :- moved(T, _, O, C, P), drawn_from(Chain, P).
% R3: a private tell reaches (L), (L, S), (S, L) when L trusts S.
reaches(T, [L], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
reaches(T, [L, S], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
reaches(T, [S, L], O, C, 'R3') :- told(T, S, L, O, C), trusts(T, L, S).
% R4: a public claim reaches every chain of hearers ending in a trusting b, or in (b, S).
reaches(T, Chain, O, C, 'R4') :- claimed(T, S, O, C, H), drawn_from(Chain, H), last(Chain, B), trusts(T, B, S).
reaches(T, Chain, O, C, 'R4') :- claimed(T, S, O, C, H), drawn_from(Chain, H), append(_, [B, S], Chain), trusts(T, B, S).
