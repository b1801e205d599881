import { Kafka, logLevel } from "kafkajs";

export type ProbeResult = { readonly ok: true; readonly topics: number } | { readonly ok: false; readonly reason: string };

/** Does a Kafka broker at `bootstrap` answer a metadata request (list topics)? Never throws. */
export async function probeKafka(bootstrap: string, timeoutMs = 3000): Promise<ProbeResult> {
  const kafka = new Kafka({
    clientId: "stack-probe",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    return { ok: true, topics: topics.length };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
