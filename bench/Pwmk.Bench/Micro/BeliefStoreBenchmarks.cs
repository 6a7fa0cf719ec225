using BenchmarkDotNet.Attributes;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Bench.Micro;

/// <summary>
/// Belief-store hot paths against the raw engine (the anchor): adding a belief (<c>assertz</c> through
/// <see cref="PrologEngine"/> vs <see cref="BeliefStore.AddBelief(Term, Term)"/> with its bookkeeping), a functional
/// update, a point query, and the O(1) count reads the metrics use.
/// <c>bench/pwmk-bench micro --filter '*BeliefStore*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class BeliefStoreBenchmarks
{
    private const int Objects = 1000;
    private Term[] _contents = [];
    private Term[] _moved = [];
    private Term[] _facts = [];
    private readonly Atom _agent = new("agent_0");
    private BeliefStore _store = null!;
    private PrologEngine _engine = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _contents = new Term[Objects];
        _moved = new Term[Objects];
        _facts = new Term[Objects];
        for (int i = 0; i < Objects; i++)
        {
            _contents[i] = new Compound("at", new Atom("obj_" + i), new Atom("room_" + (i % 7)));
            _moved[i] = new Compound("at", new Atom("obj_" + i), new Atom("room_" + ((i + 1) % 7)));
            _facts[i] = new Compound("believes", _agent, _contents[i]);
        }
    }

    [IterationSetup]
    public void Fresh()
    {
        _store = new BeliefStore();
        _store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        _engine = new PrologEngine();
        _engine.Consult(":- dynamic believes/2.");
        _i = 0;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Objects)]
    public void EngineAssertz()
    {
        for (int i = 0; i < Objects; i++) _engine.Assert(_facts[i]);
    }

    [Benchmark(OperationsPerInvoke = Objects)]
    public void StoreAddBelief()
    {
        for (int i = 0; i < Objects; i++) _store.AddBelief(_agent, _contents[i]);
    }

    [Benchmark(OperationsPerInvoke = Objects)]
    public void StoreAddThenFunctionalUpdate()
    {
        for (int i = 0; i < Objects; i++) _store.AddBelief(_agent, _contents[i]);
        for (int i = 0; i < Objects; i++) _store.AddBelief(_agent, _moved[i]);
    }

    [Benchmark(OperationsPerInvoke = Objects)]
    public int StoreCountReads()
    {
        int sum = 0;
        for (int i = 0; i < Objects; i++) sum += _store.CountBeliefs(_agent) + _store.CountFacts("at", 2) + _i;
        return sum;
    }
}
