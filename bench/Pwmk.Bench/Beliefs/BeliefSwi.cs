namespace Pwmk.Bench.Beliefs;

/// <summary>SWI-Prolog's side of <c>pwmk-bench beliefs</c>: a driver over the benchmark's own <c>common.pl</c>.</summary>
internal static class BeliefSwi
{
    /// <summary>
    /// The driver: the same scenarios as <see cref="BeliefEngine"/>, in the same order, timed the same way around the
    /// same goals (wall time by <c>get_time/1</c>, user CPU by <c>statistics(process_cputime, _)</c>). The workloads and
    /// checksums come from common.pl (SWI-Prolog's benchmark folder), naive reverse is that of its nrev.pl.
    /// </summary>
    public const string Driver = """
        :- initialization(main, main).
        :- ensure_loaded(common).

        """ + "\n" + BeliefEngine.Nrev + """

        result(K, V) :- format("RESULT ~w ~w~n", [K, V]).
        timed(G, W, C) :-
            get_time(W0), statistics(process_cputime, C0),
            ( call(G) -> true ; throw(failed(G)) ),
            get_time(W1), statistics(process_cputime, C1),
            W is W1 - W0, C is C1 - C0.
        per_query(K, G, N) :-
            timed(G, W, C),
            atom_concat(K, '_wall_us', KW), atom_concat(K, '_cpu_us', KC),
            WU is W * 1.0e6 / N, CU is C * 1.0e6 / N, result(KW, WU), result(KC, CU).
        rss(K) :- read_file_to_string('/proc/self/status', S, []), split_string(S, "\n", "", Ls),
            member(L, Ls), string_concat("VmRSS:", R, L), split_string(R, " \t", " \tkB", P),
            member(X, P), X \== "", number_string(K, X), !.

        main :- current_prolog_flag(argv, [S|As]), run(S, As).

        run(workloads, _) :-
            timed(consult(facts), LW, LC), result(load_wall_s, LW), result(load_cpu_s, LC),
            consult(queries), bench_q1(Q1), bench_q2(Q2), bench_q3(Q3),
            check1(Q1, S1), check2(Q2, S2), check3(Q3, S3), check4(S4),
            format("CHECK i ~d ii ~d iii ~d iv ~d~n", [S1, S2, S3, S4]),
            per_query(i, w1(Q1, 0, _), 100000),
            per_query(ii, w2(Q2, 0, _), 1000),
            per_query(iii, w3(Q3, 0, _), 10000),
            abolish_all_tables,
            timed(w4(_), W4, C4), result(iv_wall_s, W4), result(iv_cpu_s, C4).
        run('point-fresh', [NA]) :-
            atom_number(NA, N), consult(facts), consult(queries),
            bench_q1(Q), length(P, N), append(P, _, Q), nb_setval(point_fresh, P),
            per_query(i_first, (nb_getval(point_fresh, P1), w1(P1, 0, _)), N).
        run(nrev, [NA]) :-
            atom_number(NA, N), range(1, 30, L), garbage_collect,
            timed(bench_loop(N, L), BW, BC), timed(dummy_loop(N, L), DW, DC),
            MW is 496 * N / (BW - DW) / 1.0e6, MC is 496 * N / (BC - DC) / 1.0e6,
            result(nrev_wall_mlips, MW), result(nrev_cpu_mlips, MC).
        run(settled, _) :-
            consult(facts), garbage_collect, garbage_collect_atoms, rss(K), M is K / 1024, result(settled_rss_mib, M).
        """;
}
