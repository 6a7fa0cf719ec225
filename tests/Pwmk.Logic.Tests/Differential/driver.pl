% Differential test driver: runs one query given as text and prints its outcome on one line.
% Loaded in both SWI-Prolog and PWMK's engine; the outputs must be identical.
dt_run(Text) :-
    catch(atom_to_term(Text, G, Bs), error(syntax_error(_), _), (writeq(syntax_error), nl, fail)), !,
    catch(( findall(Bs, G, L), R = ok(L) ), Ball, dt_ball(Ball, R)),
    writeq(R), nl.
dt_run(_).
dt_ball(error(E, _), err(E)) :- !.
dt_ball(B, ball(B)).
