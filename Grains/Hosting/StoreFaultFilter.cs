using System.Data.Common;
using Engagement.Contracts;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Hosting;

/// <summary>
/// Every grain call on the silo: a store provider's exception (any <see cref="DbException"/>: Npgsql's, SQLite's,
/// "too many clients", a pool that stayed empty, a server that went away) leaves the grain as a
/// <see cref="StoreUnavailableException"/>, which serializes and which the gateway answers with <c>UNAVAILABLE</c>.
/// </summary>
internal sealed partial class StoreFaultFilter(ILogger<StoreFaultFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (DbException ex)
        {
            LogStoreFault(logger, ex, context.InterfaceName, context.MethodName);
            throw new StoreUnavailableException($"the store did not answer ({ex.GetType().Name}: {ex.Message})");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store failed a call of {Interface}.{Method}; answered as unavailable")]
    private static partial void LogStoreFault(ILogger logger, Exception exception, string @interface, string method);
}
