using Microsoft.Net.Http.Headers;

namespace Engagement.Gateway.WebConsole;

/// <summary>
/// The browser console: the static files of <c>wwwroot</c> at <c>/</c> (index.html by default), each sent with
/// a strict Content-Security-Policy. The console loads only its own scripts and styles (its libraries are vendored
/// into <c>wwwroot/lib</c>) and talks only to this gateway, so a customer's name holding markup that slipped into
/// the page could neither run nor call out.
/// </summary>
/// <remarks>
/// The policy goes on the console's files only, not on every response: the Orleans dashboard at <c>/dashboard</c>
/// has inline scripts of its own.
/// </remarks>
public static class ConsoleFiles
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IApplicationBuilder UseConsoleFiles(this IApplicationBuilder app)
    {
        app.UseDefaultFiles();
        return app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // The page is small and changes with each release; the browser asks again rather than running an old one.
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        });
    }
}
