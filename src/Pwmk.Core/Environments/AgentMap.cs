using System.Diagnostics.CodeAnalysis;

namespace Pwmk.Core.Environments;

/// <summary>A per-agent dictionary backed by an array indexed by agent id (PettingZoo's dict-by-agent).</summary>
public sealed class AgentMap<T> : IReadOnlyDictionary<string, T>
{
    private readonly IReadOnlyList<string> _agents;
    private readonly Dictionary<string, int> _index;
    internal readonly T[] Items;

    internal AgentMap(IReadOnlyList<string> agents, Dictionary<string, int> index)
    {
        _agents = agents;
        _index = index;
        Items = new T[agents.Count];
    }

    public T this[string key] => _index.TryGetValue(key, out int i) ? Items[i] : throw new KeyNotFoundException($"unknown agent '{key}'");
    public T this[int agentId] => Items[agentId];
    public IEnumerable<string> Keys => _agents;
    public IEnumerable<T> Values => Items;
    public int Count => Items.Length;
    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_index.TryGetValue(key, out int i)) { value = Items[i]; return true; }
        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator()
    {
        for (int i = 0; i < Items.Length; i++) yield return new(_agents[i], Items[i]);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
