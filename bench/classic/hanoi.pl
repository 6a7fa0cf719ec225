% Towers of Hanoi for 18 discs, the moves counted as they are made.
hanoi(0, _, _, _, C, C) :- !.
hanoi(N, A, B, C, K0, K) :- N1 is N - 1, hanoi(N1, A, C, B, K0, K1), K2 is K1 + 1, hanoi(N1, C, B, A, K2, K).
loop(0) :- !.
loop(N) :- hanoi(18, a, b, c, 0, _), N1 is N - 1, loop(N1).
bench(N) :- loop(N), hanoi(18, a, b, c, 0, K), write(hanoi(K)), nl.
