using System.Text.Json;
using Orleans.Storage;

namespace Engagement.Storage;

/// <summary>
/// Checkpoints as JSON (System.Text.Json): the customer model is a plain library without Orleans
/// serializer attributes, and JSON keeps a stored checkpoint readable and tolerant of added fields.
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public BinaryData Serialize<T>(T? input) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(input, Json));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Json)
        ?? throw new InvalidDataException($"A stored {typeof(T).Name} checkpoint is empty.");
}
