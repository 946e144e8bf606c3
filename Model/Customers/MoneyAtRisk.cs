namespace Engagement.Model;

/// <summary>Money at risk, the one measure alerts, cases and the worklist rank by: CLV × churn risk (0 when not finite).</summary>
public static class MoneyAtRisk
{
    public static double Of(double clv, double churnRisk) => clv * churnRisk is var loss && double.IsFinite(loss) ? loss : 0;
}
