import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per service process. Libraries ask it for their instruments by
 * name, so the same counter is shared however many modules use it.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();
  private readonly gauges = new Map<string, Gauge<string>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = new Counter({ name, help, labelNames, registers: [this.registry] });
      this.counters.set(name, counter);
    }
    return counter;
  }

  histogram(
    name: string,
    help: string,
    labelNames: string[] = [],
    buckets?: number[],
  ): Histogram<string> {
    let histogram = this.histograms.get(name);
    if (!histogram) {
      histogram = new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
      this.histograms.set(name, histogram);
    }
    return histogram;
  }

  /** A gauge; `collect` (if given) refreshes it at every scrape. */
  gauge(
    name: string,
    help: string,
    labelNames: string[] = [],
    collect?: (gauge: Gauge<string>) => Promise<void> | void,
  ): Gauge<string> {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect && {
          async collect(this: Gauge<string>) {
            await collect(this);
          },
        }),
      });
      this.gauges.set(name, gauge);
    }
    return gauge;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
