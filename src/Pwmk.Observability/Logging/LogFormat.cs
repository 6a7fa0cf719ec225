namespace Pwmk.Observability.Logging;

/// <summary>Log line format: one JSON object per line (default, as in the specification) or plain text.</summary>
public enum LogFormat
{
    /// <summary>JSON lines with timestamp, level, logger, message, module, function, line, fields, context and trace ids.</summary>
    Structured,
    /// <summary><c>timestamp - logger - LEVEL - message</c>.</summary>
    Plain,
}
