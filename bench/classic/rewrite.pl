% Boyer-style theorem proving: a term is rewritten to normal form by a table of lemmas (indexed on the head functor),
% then checked to be a tautology by case analysis on if-then-else.
lemma(and(P, Q), if(P, if(Q, t, f), f)).
lemma(or(P, Q), if(P, t, if(Q, t, f))).
lemma(not(P), if(P, f, t)).
lemma(implies(P, Q), if(P, if(Q, t, f), t)).
lemma(iff(P, Q), and(implies(P, Q), implies(Q, P))).
lemma(equal(plus(A, B), zero), and(zerop(A), zerop(B))).
lemma(plus(plus(X, Y), Z), plus(X, plus(Y, Z))).
lemma(times(X, plus(Y, Z)), plus(times(X, Y), times(X, Z))).
lemma(times(times(X, Y), Z), times(X, times(Y, Z))).
lemma(times(plus(X, Y), Z), plus(times(X, Z), times(Y, Z))).
lemma(append(append(X, Y), Z), append(X, append(Y, Z))).
lemma(reverse(append(A, B)), append(reverse(B), reverse(A))).
lemma(length(reverse(X)), length(X)).
lemma(lessp(remainder(_, Y), Y), not(zerop(Y))).
lemma(if(if(A, B, C), D, E), if(A, if(B, D, E), if(C, D, E))).
lemma(equal(times(X, Y), zero), or(zerop(X), zerop(Y))).
lemma(difference(plus(X, Y), X), fix(Y)).
lemma(zerop(X), or(equal(X, zero), not(numberp(X)))).
lemma(fix(X), if(numberp(X), X, zero)).
lemma(equal(lessp(X, Y), Z), if(lessp(X, Y), equal(t, Z), equal(f, Z))).
lemma(member(X, append(A, B)), or(member(X, A), member(X, B))).
rewrite(A, A) :- atomic(A), !.
rewrite(Old, New) :- Old =.. [F|Args], rewrite_args(Args, Args1), Mid =.. [F|Args1],
    ( lemma(Mid, Next) -> rewrite(Next, New) ; New = Mid ).
rewrite_args([], []).
rewrite_args([A|As], [B|Bs]) :- rewrite(A, B), rewrite_args(As, Bs).
tautology(Wff) :- rewrite(Wff, N), taut(N, [], []).
taut(t, _, _) :- !.
taut(f, _, _) :- !, fail.
taut(X, Ts, _) :- member_(X, Ts), !.
taut(X, _, Fs) :- member_(X, Fs), !, fail.
taut(if(t, Then, _), Ts, Fs) :- !, taut(Then, Ts, Fs).
taut(if(f, _, Else), Ts, Fs) :- !, taut(Else, Ts, Fs).
taut(if(If, Then, Else), Ts, Fs) :- !,
    ( member_(If, Ts) -> taut(Then, Ts, Fs)
    ; member_(If, Fs) -> taut(Else, Ts, Fs)
    ; taut(Then, [If|Ts], Fs), taut(Else, Ts, [If|Fs]) ).
taut(X, Ts, _) :- member_(X, Ts).
member_(X, [Y|_]) :- X == Y, !.
member_(X, [_|T]) :- member_(X, T).
theorem(N, implies(and(implies(X, Y), and(implies(Y, Z), and(implies(Z, U), implies(U, W)))), implies(X, W))) :-
    sub(N, a, X), sub(N, b, Y), sub(N, c, Z), sub(N, d, U), sub(N, e, W).
sub(N, V, plus(plus(V, times(N, V)), append(reverse(append(V, N)), zero))).
run(K) :- findall(I, (between(1, 10, I), theorem(I, T), tautology(T)), L), length(L, K).
loop(0) :- !.
loop(N) :- run(_), N1 is N - 1, loop(N1).
bench(N) :- loop(N), run(K), write(rewrite(K)), nl.
