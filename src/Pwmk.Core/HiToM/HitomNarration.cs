using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.HiToM;

/// <summary>Kinds of <see cref="Narrated"/> events.</summary>
internal enum NarratedKind
{
    /// <summary>A group entered a room other than the waiting room: a new chapter, <see cref="Narrated.Order"/> its exit order.</summary>
    Chapter,
    /// <summary>The object was seen in the container by everyone present (on entering a room, or placed by the narrator).</summary>
    Seen,
    /// <summary><see cref="Narrated.Agent"/> moved the object to the container while <see cref="Narrated.Present"/> (mover included) watched.</summary>
    Moved,
    /// <summary><see cref="Narrated.Agent"/> privately told <see cref="Narrated.Other"/> that the object is in the container.</summary>
    Told,
    /// <summary><see cref="Narrated.Agent"/> publicly claimed it, heard by <see cref="Narrated.Present"/>.</summary>
    Claimed,
}

/// <summary>
/// What happened at one story line, with who was there: agent ids, the object's fluent and the container's value id of
/// a <see cref="BeliefVocabulary"/>. Rules turn it into beliefs: <see cref="HitomReplay"/> through the perspective
/// tracker, the Prolog rules of the belief store as facts.
/// </summary>
internal readonly record struct Narrated(NarratedKind Kind, int Line, int Agent = -1, int Other = -1, int Fluent = -1, int Value = -1, ulong Present = 0, int[]? Order = null);

/// <summary>
/// The narrator of a Hi-ToM story: follows who is in which room, where every object is, and which group forms the
/// current chapter, and reports each line as <see cref="Narrated"/> events. Impossible lines (an agent leaving a room
/// he is not in, a move of an object that is in another room, a claim made outside every room) are errors naming the
/// file and line.
/// </summary>
internal sealed class HitomNarrator
{
    private readonly string _source;
    private readonly List<int> _agentRoom = [];
    private readonly Dictionary<string, int> _rooms = [];
    private readonly Dictionary<string, int> _objectFluent = [];
    private readonly Dictionary<int, (int Value, int Room)> _where = [];
    private readonly Dictionary<string, int> _containerValue = [];
    private readonly List<int> _entries = []; // agents in the order they last entered a room
    private int _lastRoom = -1, _waitingRoom = -1;

    public HitomNarrator(string source) => _source = source;

    public BeliefVocabulary Vocabulary { get; } = new();

    public List<Narrated> Events { get; } = [];

    /// <summary>Chapters begun so far.</summary>
    public int Chapters { get; private set; }

    /// <summary>True when the story has a tell or a public claim.</summary>
    public bool HasClaims { get; private set; }

    /// <summary>Narrates a whole story.</summary>
    public static HitomNarrator Of(HitomFile file)
    {
        var n = new HitomNarrator(file.Source);
        foreach (var s in file.Story) n.Narrate(s);
        return n;
    }

    public void Narrate(HitomSentence s)
    {
        switch (s.Kind)
        {
            case HitomSentenceKind.Enter:
                {
                    int room = Room(s.Room!);
                    var ids = new int[s.Agents.Count];
                    for (int i = 0; i < ids.Length; i++)
                    {
                        ids[i] = Agent(s.Agents[i], s);
                        _agentRoom[ids[i]] = room;
                        _entries.Remove(ids[i]);
                        _entries.Add(ids[i]);
                    }
                    if (room != _waitingRoom)
                    {
                        _lastRoom = room;
                        Chapters++;
                        Events.Add(new(NarratedKind.Chapter, s.Line, Order: ids));
                    }
                    ulong present = InRoom(room);
                    foreach (var (fluent, (value, where)) in _where)
                        if (where == room) Events.Add(new(NarratedKind.Seen, s.Line, Fluent: fluent, Value: value, Present: present));
                    break;
                }
            case HitomSentenceKind.Place:
                {
                    int room = Scene();
                    if (room < 0) throw Error(s, $"the {s.Object} is placed before anyone entered a room");
                    int fluent = Object(s.Object!), value = Container(s.Container!);
                    _where[fluent] = (value, room);
                    Events.Add(new(NarratedKind.Seen, s.Line, Fluent: fluent, Value: value, Present: InRoom(room)));
                    break;
                }
            case HitomSentenceKind.Move:
                {
                    int a = Agent(s.Agent, s), room = _agentRoom[a];
                    if (room < 0) throw Error(s, $"{s.Agent} is not in any room");
                    int fluent = Object(s.Object!), value = Container(s.Container!);
                    if (_where.TryGetValue(fluent, out var w) && w.Room != room) throw Error(s, $"the {s.Object} is not in the room {s.Agent} is in");
                    _where[fluent] = (value, room);
                    Events.Add(new(NarratedKind.Moved, s.Line, Agent: a, Fluent: fluent, Value: value, Present: InRoom(room)));
                    break;
                }
            case HitomSentenceKind.Exit:
                {
                    int a = Agent(s.Agent, s);
                    if (_agentRoom[a] < 0 || !_rooms.TryGetValue(s.Room!, out int room) || _agentRoom[a] != room)
                        throw Error(s, $"{s.Agent} is not in the {s.Room}");
                    _agentRoom[a] = -1;
                    break;
                }
            case HitomSentenceKind.Noise:
                Agent(s.Agent, s);
                break;
            case HitomSentenceKind.PublicClaim:
                {
                    int a = Agent(s.Agent, s), room = _agentRoom[a];
                    if (room < 0) throw Error(s, $"{s.Agent} makes a public claim outside every room: nobody can hear it");
                    HasClaims = true;
                    Events.Add(new(NarratedKind.Claimed, s.Line, Agent: a, Fluent: Object(s.Object!), Value: Container(s.Container!), Present: InRoom(room)));
                    break;
                }
            case HitomSentenceKind.PrivateTell:
                {
                    int a = Agent(s.Agent, s), l = Agent(s.Listener!, s);
                    if (_agentRoom[a] < 0 || _agentRoom[a] != _agentRoom[l]) throw Error(s, $"{s.Agent} and {s.Listener} are not in the same room");
                    HasClaims = true;
                    Events.Add(new(NarratedKind.Told, s.Line, Agent: a, Other: l, Fluent: Object(s.Object!), Value: Container(s.Container!), Present: (1UL << a) | (1UL << l)));
                    break;
                }
            default:
                throw Error(s, $"unknown sentence kind {s.Kind}");
        }
    }

    /// <summary>Where the object really is at the end (null when never placed or unknown).</summary>
    public string? TrueContainer(string obj) =>
        _objectFluent.TryGetValue(obj, out int f) && _where.TryGetValue(f, out var w) ? Name(Vocabulary.ValueTerm(w.Value)) : null;

    /// <summary>A container's name as the story writes it (an atom's name, unquoted).</summary>
    internal static string Name(Term value) => value is Atom a ? a.Name : value.ToString();

    /// <summary>The fluent <c>at(obj)</c>, or -1 when the story never names the object.</summary>
    public int FluentOf(string obj) => _objectFluent.GetValueOrDefault(obj, -1);

    private HitomFormatException Error(HitomSentence s, string message) => new(_source, s.Line, 1, message);

    private int Agent(string name, HitomSentence s)
    {
        int id = Vocabulary.FindAgent(name);
        if (id >= 0) return id;
        if (Vocabulary.AgentCount >= BeliefVocabulary.MaxAgents) throw Error(s, $"a story may have at most {BeliefVocabulary.MaxAgents} agents");
        id = Vocabulary.Agent(name);
        _agentRoom.Add(-1);
        return id;
    }

    private int Room(string name)
    {
        if (!_rooms.TryGetValue(name, out int id))
        {
            _rooms[name] = id = _rooms.Count;
            if (name == HitomReader.WaitingRoom) _waitingRoom = id;
        }
        return id;
    }

    /// <summary>
    /// The room a placement (<c>The O is in the C.</c>) happens in: the scene the narrator describes, that is the room
    /// other than the waiting room holding the most agents (ties go to the room entered last); with nobody in any
    /// such room, the latest one entered. In Hi-ToM it is always the current chapter's room; ToMi's replay uses the
    /// same rule.
    /// </summary>
    private int Scene()
    {
        int best = -1, bestCount = 0;
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            int r = _agentRoom[_entries[i]];
            if (r < 0 || r == _waitingRoom) continue;
            int n = System.Numerics.BitOperations.PopCount(InRoom(r));
            if (n > bestCount) { best = r; bestCount = n; }
        }
        return best >= 0 ? best : _lastRoom;
    }

    private int Object(string name)
    {
        if (!_objectFluent.TryGetValue(name, out int f)) _objectFluent[name] = f = Vocabulary.Fluent("at", new Atom(name));
        return f;
    }

    private int Container(string name)
    {
        if (!_containerValue.TryGetValue(name, out int v)) _containerValue[name] = v = Vocabulary.Value(name);
        return v;
    }

    private ulong InRoom(int room)
    {
        ulong m = 0;
        for (int a = 0; a < _agentRoom.Count; a++) if (_agentRoom[a] == room) m |= 1UL << a;
        return m;
    }
}
