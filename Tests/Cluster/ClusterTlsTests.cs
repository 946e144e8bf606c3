using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, item 9: in cluster mode the Orleans ports carry grain calls with no key. A silo that listens beyond
/// loopback without TLS is refused at start (unless allowed); with TLS configured, silos and gateways speak mutual TLS
/// and a client without the certificate cannot reach a grain.
/// </summary>
public sealed class ClusterTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Args(params (string Key, string Value)[] settings) =>
    [
        "--Engagement:Mode=Cluster", "--ConnectionStrings:Engagement=Host=127.0.0.1;Database=unused", .. settings.Select(s => $"--{s.Key}={s.Value}"),
    ];

    [Fact]
    public void A_silo_beyond_loopback_without_tls_is_refused_unless_allowed()
    {
        var refused = Assert.Throws<EngagementConfigurationException>(() => SiloHost.Build(Args(("Engagement:Silo:AdvertisedAddress", "10.11.12.13"))));
        Assert.Contains("without TLS", refused.Message);
        Assert.Contains("Engagement:Silo:Tls:CertificatePath", refused.Message);

        using var allowed = SiloHost.Build(Args(("Engagement:Silo:AdvertisedAddress", "10.11.12.13"), ("Engagement:Silo:AllowInsecure", "true")));
        using var loopback = SiloHost.Build(Args(("Engagement:Silo:AdvertisedAddress", "127.0.0.1")));
    }

    [Fact]
    public async Task With_tls_a_gateway_with_the_certificate_works_and_a_client_without_it_reaches_no_grain()
    {
        var folder = Directory.CreateTempSubdirectory("engagement-tls-").FullName;
        try
        {
            var certificate = Path.Combine(folder, "cluster.pfx");
            await File.WriteAllBytesAsync(certificate, ClusterCertificate("test-password"), Ct);
            (string, string)[] tls = [("Engagement:Silo:Tls:CertificatePath", certificate), ("Engagement:Silo:Tls:CertificatePassword", "test-password")];

            await using var postgres = await PostgresServer.StartAsync(Ct);
            var connectionString = await postgres.CreateDatabaseAsync("tls", Ct);
            var clusterId = $"tls-{Guid.NewGuid():N}";
            var settings = ClusterSilo.Settings(connectionString, clusterId).ToList();
            var gatewayPort = int.Parse(settings.Single(s => s.Key == "Engagement:Silo:GatewayPort").Value);
            using var silo = SiloHost.Build([.. settings.Select(s => $"--{s.Key}={s.Value}"), .. tls.Select(s => $"--{s.Item1}={s.Item2}")]);
            await silo.StartAsync(Ct);
            try
            {
                await using (var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId, tls.Select(s => KeyValuePair.Create(s.Item1, s.Item2))))
                {
                    var customer = $"tls-{Guid.NewGuid():N}";
                    await gateway.Client.SubmitAcceptedAsync(Events.Purchase(customer, 25, DateTimeOffset.UtcNow.AddHours(-1)));
                    var card = await gateway.Client.Customers().GetAsync(new Contracts.V1.GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
                    Assert.Equal(1, card.EventCount);
                }

                // The same client with the cluster's certificate reaches a grain...
                using var member = Client(gatewayPort, clusterId, X509CertificateLoader.LoadPkcs12FromFile(certificate, "test-password"));
                await member.StartAsync(Ct);
                Assert.False(await member.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerGrain>("anyone").Exists().WaitAsync(Ct));
                await member.StopAsync(CancellationToken.None);

                // ...and whoever reaches the gateway port without it: no grain answers.
                using var intruder = Client(gatewayPort, clusterId, null);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                await Assert.ThrowsAnyAsync<Exception>(async () =>
                {
                    await intruder.StartAsync(timeout.Token);
                    await intruder.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerGrain>("anyone").Exists().WaitAsync(timeout.Token);
                });
            }
            finally
            {
                await silo.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            EngineHost.TryDelete(folder);
        }
    }

    /// <summary>A plain Orleans client of the test cluster through one gateway port, with the certificate or without.</summary>
    private static IHost Client(int gatewayPort, string clusterId, X509Certificate2? certificate)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort))
                .Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = ("test", clusterId));
            if (certificate is not null) client.UseTls(certificate, tls => tls.AllowAnyRemoteCertificate());
        });
        return builder.Build();
    }

    /// <summary>One self-signed certificate for the whole cluster, good for server and client authentication.</summary>
    private static byte[] ClusterCertificate(string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=engagement-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return certificate.Export(X509ContentType.Pfx, password);
    }
}
