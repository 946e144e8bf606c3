using Engagement.Gateway.Hosting;

// The whole engine in one process by default (co-hosted silo, SQLite under ./data), or a gateway
// of a cluster with Engagement:Mode=Cluster. See README.md.
return await GatewayHost.RunAsync(args);
