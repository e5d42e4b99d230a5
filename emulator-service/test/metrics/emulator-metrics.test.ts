import { describe, expect, it } from "vitest";
import { createEmulatorMetrics } from "../../src/metrics/index.js";

describe("createEmulatorMetrics", () => {
  it("declares every service metric with its type", () => {
    const m = createEmulatorMetrics();
    const text = m.registry.render();
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]),
    );
    expect(types).toEqual({
      edgevm_vm_start_seconds: "histogram",
      edgevm_jobs_total: "counter",
      edgevm_jobs_in_flight: "gauge",
      edgevm_job_duration_seconds: "histogram",
      edgevm_pool_vms: "gauge",
      edgevm_pool_target: "gauge",
      edgevm_pool_arrival_rate: "gauge",
      edgevm_queue_length: "gauge",
      edgevm_http_requests_total: "counter",
      edgevm_template_boot_seconds: "histogram",
    });
  });

  it("records typed observations", () => {
    const m = createEmulatorMetrics();
    m.vmStartSeconds.observe({ source: "restore" }, 0.012);
    m.jobsTotal.inc({ status: "succeeded" });
    m.jobsInFlight.inc();
    m.poolVms.setCollector(() => [{ labels: { image: "base", state: "warm" }, value: 3 }]);
    m.poolTarget.setCollector(() => [{ labels: { image: "base", state: "spawned" }, value: 4 }]);
    m.poolArrivalRate.setCollector(() => [{ labels: { image: "base" }, value: 2.5 }]);
    m.queueLength.set(2);
    m.httpRequestsTotal.inc({ route: "/v1/jobs", status: "200" });
    m.jobDurationSeconds.observe(0.4);
    m.templateBootSeconds.observe(1.6);
    const text = m.registry.render();
    expect(text).toContain('edgevm_vm_start_seconds_bucket{source="restore",le="0.025"} 1');
    expect(text).toContain('edgevm_vm_start_seconds_bucket{source="restore",le="0.01"} 0');
    expect(text).toContain('edgevm_jobs_total{status="succeeded"} 1');
    expect(text).toContain("edgevm_jobs_in_flight 1");
    expect(text).toContain('edgevm_pool_vms{image="base",state="warm"} 3');
    expect(text).toContain('edgevm_pool_target{image="base",state="spawned"} 4');
    expect(text).toContain('edgevm_pool_arrival_rate{image="base"} 2.5');
    expect(text).toContain("edgevm_queue_length 2");
    expect(text).toContain('edgevm_http_requests_total{route="/v1/jobs",status="200"} 1');
    expect(text).toContain("edgevm_job_duration_seconds_count 1");
    expect(text).toContain('edgevm_template_boot_seconds_bucket{le="2"} 1');
  });
});
