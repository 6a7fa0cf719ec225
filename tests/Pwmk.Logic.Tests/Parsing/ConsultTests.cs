namespace Pwmk.Logic.Tests.Parsing;

/// <summary>Consulting as SWI-Prolog does: problems reported with where they are, and the rest of the text loaded.</summary>
public class ConsultTests
{
    [Fact]
    public void A_directive_that_raises_or_fails_is_a_warning_with_its_line_and_loading_goes_on()
    {
        var e = new PrologEngine();
        var r = e.Consult(":- foo_undefined(1).\np(1).\n:- fail.\np(2).\n", "d.pl");
        Assert.True(r.Ok);
        Assert.Equal(2, r.Clauses);
        Assert.Equal([1, 3], r.Warnings.Select(w => w.Line));
        Assert.All(r.Warnings, w => Assert.Equal("d.pl", w.Source));
        Assert.Contains("existence_error(procedure,foo_undefined/1)", r.Warnings[0].Message);
        Assert.Equal(2, e.Query("p(X)").Solutions.Count);
    }

    [Fact]
    public void A_bad_clause_is_an_error_and_the_clauses_after_it_still_load()
    {
        var e = new PrologEngine();
        var r = e.Consult("p(1).\np(2) :- .\natom_length(a, b).\np(3).\n", "bad.pl");
        Assert.False(r.Ok);
        Assert.Equal([2, 3], r.Errors.Select(x => x.Line));
        Assert.Equal(["1", "3"], e.Query("p(X)").Solutions.Select(s => s["X"].ToString()));
    }

    [Fact]
    public void Declarations_of_other_systems_load_without_a_word()
    {
        var e = new PrologEngine();
        var r = e.Consult("""
            :- module(classic, [nrev/2]).
            :- use_module(library(lists)).
            :- ensure_loaded(library(apply)).
            :- mode(app(+, +, -)).
            :- mode(nrev(+, -)).
            :- public nrev/2.
            :- multifile hook/1.
            :- meta_predicate twice(0).
            :- style_check(-singleton).
            :- thread_local seen/1.
            app([], L, L).
            app([H|T], L, [H|R]) :- app(T, L, R).
            nrev([], []).
            nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
            twice(G) :- G, G.
            """, "classic.pl");
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Empty(r.Warnings);
        Assert.True(e.Prove("nrev([1, 2, 3], [3, 2, 1]), assertz(seen(x)), seen(x)"));
    }

    [Fact]
    public void Loading_another_file_from_the_program_is_refused_with_a_warning()
    {
        var e = new PrologEngine();
        var r = e.Consult(":- use_module(other_file).\n:- ensure_loaded('x.pl').\nok.\n", "p.pl");
        Assert.True(r.Ok);
        Assert.Equal([1, 2], r.Warnings.Select(w => w.Line));
        Assert.All(r.Warnings, w => Assert.Contains("permission_error(load,source_sink", w.Message));
        Assert.True(e.Prove("ok"));
    }

    [Fact]
    public void If_elif_else_endif_choose_the_text_that_loads()
    {
        var e = new PrologEngine();
        var r = e.Consult("""
            :- if(current_prolog_flag(bounded, true)).
            width(bounded).
            :- elif(fail).
            width(no_length).
            :- else.
            width(unbounded).
            :- if(fail).
            inner(skipped).
            :- else.
            inner(taken).
            :- endif.
            :- endif.
            :- if(fail).
            :- this_directive_never_runs.
            never(loaded).
            :- if(true).
            never(nested).
            :- endif.
            :- endif.
            after(ok).
            """, "cond.pl");
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.Empty(r.Warnings);
        Assert.True(e.Prove("width(unbounded), inner(taken), after(ok)"));
        Assert.False(e.Prove("width(bounded) ; width(no_length) ; inner(skipped)"));
        Assert.Throws<PrologException>(() => e.Prove("never(_)"));
    }

    [Fact]
    public void An_if_without_endif_is_an_error_at_the_if()
    {
        var e = new PrologEngine();
        var r = e.Consult("a.\n:- if(true).\nb.\n", "open.pl");
        Assert.False(r.Ok);
        Assert.Equal(2, Assert.Single(r.Errors).Line);
        Assert.True(e.Prove("a, b"));
    }

    [Fact]
    public void What_directives_and_initialization_goals_write_is_kept()
    {
        var e = new PrologEngine();
        var r = e.Consult(":- write(loading), nl.\n:- initialization((write(ready), nl)).\np.\n", "w.pl");
        Assert.True(r.Ok);
        Assert.Equal("loading\nready\n", r.Output);
    }

    [Fact]
    public void The_double_quotes_flag_set_by_a_directive_decides_how_the_clauses_after_it_read_strings()
    {
        var e = new PrologEngine();
        var r = e.Consult("""
            s(before, "ab").
            :- set_prolog_flag(double_quotes, codes).
            s(codes, "ab").
            :- set_prolog_flag(double_quotes, chars).
            s(chars, "ab").
            :- set_prolog_flag(double_quotes, atom).
            s(atom, "ab").
            """, "dq.pl");
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        Assert.True(e.Prove("s(before, S), string(S), s(codes, [0'a, 0'b]), s(chars, [a, b]), s(atom, ab)"));
    }
}
