import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { AppConfig } from '../../infrastructure/config/app-config';
import { checkDestination, DestinationCheck, DestinationPolicy, Resolver } from './domain/destination';

/** The system resolver (dns.lookup: /etc/hosts, then DNS), every address of the name. */
const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** WEBHOOKS_HOSTS: names resolve through the list alone; any other name does not resolve. */
const listResolver =
  (hosts: Map<string, string>): Resolver =>
  async (hostname) => {
    const address = hosts.get(hostname.toLowerCase().replace(/\.$/, ''));
    if (!address) throw new Error(`${hostname} is not in WEBHOOKS_HOSTS`);
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };

/** The SSRF check as configured: at create, at PATCH and before every try. */
@Injectable()
export class DestinationChecker {
  private readonly policy: DestinationPolicy;

  constructor(config: AppConfig) {
    const hosts = config.webhookHosts;
    this.policy = { allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE, resolve: hosts ? listResolver(hosts) : systemResolver };
  }

  check(url: string): Promise<DestinationCheck> {
    return checkDestination(url, this.policy);
  }
}
