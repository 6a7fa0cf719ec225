% A DCG tokenizer and parser of arithmetic expressions, with an evaluator, over a generated 10,000-character text.
:- set_prolog_flag(double_quotes, codes).
expr(V) --> term(T), expr_rest(T, V).
expr_rest(Acc, V) --> "+", !, term(T), { A1 is Acc + T }, expr_rest(A1, V).
expr_rest(Acc, V) --> "-", !, term(T), { A1 is Acc - T }, expr_rest(A1, V).
expr_rest(V, V) --> [].
term(V) --> factor(F), term_rest(F, V).
term_rest(Acc, V) --> "*", !, factor(F), { A1 is Acc * F mod 1000003 }, term_rest(A1, V).
term_rest(V, V) --> [].
factor(V) --> "(", !, expr(V), ")".
factor(V) --> digits(Ds), { Ds \== [], number_codes(V, Ds) }.
digits([D|Ds]) --> [D], { D >= 0'0, D =< 0'9 }, !, digits(Ds).
digits([]) --> [].
gen(0, S, S, "7") :- !.
gen(N, S0, S, Cs) :-
    S1 is (S0 * 1103515245 + 12345) mod 2147483648, K is S1 mod 4, N1 is N - 1,
    gen_(K, N1, S1, S, Cs).
gen_(0, N, S0, S, Cs) :- gen(N, S0, S1, A), gen(N, S1, S, B), append3(A, "+", B, Cs).
gen_(1, N, S0, S, Cs) :- gen(N, S0, S1, A), gen(N, S1, S, B), append3(A, "*", B, Cs).
gen_(2, N, S0, S, Cs) :- gen(N, S0, S, A), append3("(", A, ")", Cs).
gen_(3, N, S0, S, Cs) :- gen(N, S0, S1, A), gen(N, S1, S, B), append3(A, "-", B, Cs).
append3(A, B, C, D) :- app(B, C, BC), app(A, BC, D).
app([], L, L).
app([H|T], L, [H|R]) :- app(T, L, R).
text(Cs) :- gen(17, 7, _, Cs).
loop(0, _) :- !.
loop(N, Cs) :- phrase(expr(_), Cs), !, N1 is N - 1, loop(N1, Cs).
bench(N) :- text(Cs), loop(N, Cs), phrase(expr(V), Cs), !, length(Cs, L), write(parser(L, V)), nl.
