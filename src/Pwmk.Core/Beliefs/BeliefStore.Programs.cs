using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Core.Storage;

namespace Pwmk.Core.Beliefs;

public sealed partial class BeliefStore
{
    // ------------------------------------------------------------------ programs and files

    /// <summary>
    /// Adds a program (clauses and the directives <c>dynamic</c>, <c>discontiguous</c>, <c>table</c>, <c>op</c>,
    /// <c>use_module</c>, <c>ensure_loaded</c>): ground facts are stored as facts and beliefs, other clauses as rules,
    /// <c>pwmk_functional(Name/Arity, Keys)</c> facts as functional declarations. All or nothing: on the first error the
    /// store is unchanged and the error names the source, line and column. Costs time proportional to the store's size.
    /// </summary>
    public void Consult(string programText, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(programText);
        string source = sourceName ?? "program";
        if (programText.Length > _opt.MaxProgramLength)
            throw new BeliefStoreException($"program of {programText.Length} characters exceeds the limit of {_opt.MaxProgramLength}", source);
        lock (_write)
        {
            if (_changeDepth > 0) throw new InvalidOperationException("Consult cannot run inside InOneCommit");
            var old = _state;
            var fresh = Build(old.Model.Clone(), old.Engine.Operators);
            TermReader reader;
            try { reader = new TermReader(programText, fresh.Engine.Operators, new ReaderOptions { SourceName = source, MaxTextLength = _opt.MaxProgramLength }); }
            catch (SyntaxErrorException e) { throw new BeliefStoreException("syntax error: " + e.Reason, source, e.Line, e.Column, e); }
            while (true)
            {
                ReadResult? r;
                try { r = reader.ReadClause(); }
                catch (SyntaxErrorException e) { throw new BeliefStoreException("syntax error: " + e.Reason, source, e.Line, e.Column, e); }
                if (r is null) break;
                try { ApplyClause(fresh, r.Term, new Where(source, r.Line, r.Column)); }
                catch
                {
                    EndWrites();   // the fresh engine is dropped
                    throw;
                }
            }
            EndWrites();
            lock (_read) _state = fresh;
        }
        Notify(null, BeliefUpdateKind.Loaded);
    }

    /// <summary>Adds the program in a <c>.pl</c> file (see <see cref="Consult"/>).</summary>
    public void ConsultFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new BeliefStoreException("file not found", path);
        // UTF-8 takes at least one byte per character: a file this large cannot fit the character limit.
        if (info.Length > _opt.MaxProgramLength * 4L)
            throw new BeliefStoreException($"file of {info.Length} bytes exceeds the program limit of {_opt.MaxProgramLength} characters", path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        Consult(text, path);
    }

    /// <summary>Creates a store holding the program of a <c>.pl</c> file (as written by <see cref="Save"/>, or by hand).</summary>
    public static BeliefStore Load(string path, BeliefStoreOptions? options = null)
    {
        var store = new BeliefStore(options);
        store.ConsultFile(path);
        return store;
    }

    /// <summary>The store as Prolog text that SWI-Prolog consults with the same answers (and <see cref="Consult"/> reads back).</summary>
    public string ToProgramText()
    {
        lock (_write)
        {
            var s = _state;
            return BeliefProgramWriter.Write(s.Model, s.Engine.Operators);
        }
    }

    /// <summary>
    /// Saves the store to a <c>.pl</c> file atomically: the text goes to a temporary file in the same folder,
    /// is flushed to disk, and then replaces <paramref name="path"/>; a crash leaves the old file or the new one.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text = ToProgramText();
        AtomicFile.Write(path, fs =>
        {
            using var w = new StreamWriter(fs, new UTF8Encoding(false), leaveOpen: true);
            w.Write(text);
        });
    }
}
