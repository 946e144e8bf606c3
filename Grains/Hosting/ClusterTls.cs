using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace Engagement.Grains.Hosting;

/// <summary>
/// Orleans TLS with mutual certificates between silos and gateways (<see cref="SiloTlsOptions"/>), and the warning a
/// silo gives when it listens beyond loopback without it (<see cref="SiloEndpointOptions.AllowInsecure"/>).
/// </summary>
public static partial class ClusterTls
{
    public static void Configure(ISiloBuilder silo, SiloEndpointOptions options)
    {
        if (options.Tls.Enabled)
        {
            var (certificate, validate) = Load(options.Tls);
            silo.UseTls(certificate, tls => Require(tls, validate));
        }
        else if (EngagementSettings.ListensBeyondLoopback(options))
        {
            silo.Services.AddHostedService<InsecureSiloWarning>();
        }
    }

    public static void Configure(IClientBuilder client, SiloEndpointOptions options)
    {
        if (!options.Tls.Enabled) return;
        var (certificate, validate) = Load(options.Tls);
        client.UseTls(certificate, tls => Require(tls, validate));
    }

    private static void Require(TlsOptions tls, RemoteCertificateValidator validate)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = validate;
    }

    /// <summary>The certificate, and how a peer's is judged: chained to the configured CA, else the same certificate or one the machine trusts.</summary>
    private static (X509Certificate2 Certificate, RemoteCertificateValidator Validate) Load(SiloTlsOptions options)
    {
        X509Certificate2 certificate;
        X509Certificate2? ca = null;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath!, options.CertificatePassword);
            if (!string.IsNullOrWhiteSpace(options.TrustedCaPath)) ca = X509CertificateLoader.LoadCertificateFromFile(options.TrustedCaPath);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new EngagementConfigurationException($"Engagement:Silo:Tls: {ex.Message}");
        }
        if (!certificate.HasPrivateKey) throw new EngagementConfigurationException("Engagement:Silo:Tls:CertificatePath: the certificate has no private key");

        return (certificate, (remote, _, errors) =>
        {
            if (ca is not null)
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(remote);
            }
            return remote.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span) || errors == SslPolicyErrors.None;
        });
    }

    private sealed partial class InsecureSiloWarning(EngagementSettings settings, ILogger<InsecureSiloWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var silo = settings.Options.Silo;
            LogInsecure(logger, silo.AdvertisedAddress ?? "", silo.SiloPort, silo.GatewayPort);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "INSECURE: this silo listens on {Address} (ports {SiloPort}, {GatewayPort}) without TLS (Engagement:Silo:AllowInsecure): whoever reaches these ports calls grains past every key. Set Engagement:Silo:Tls:CertificatePath for mutual TLS.")]
        private static partial void LogInsecure(ILogger logger, string address, int siloPort, int gatewayPort);
    }
}
