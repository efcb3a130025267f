import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validationFailed } from '../../../common/errors/domain-error';
import { AgentGate } from '../../agents/agent-gate';
import { Principal } from '../../auth/domain/principal';
import { UsageQueryDto, UsageReportDto } from './usage.dto';
import { UsageGroupRow, UsageRepository } from './usage.repository';

/** The longest range one report covers: a year of days (leap years included). */
const MAX_RANGE_DAYS = 366;

/**
 * GET /usage (SPEC §15): totals from the rollup. An org admin sees the whole org; anyone else names an
 * agent they can use (`agentId`) and sees that agent's, as its runs' routes would show them.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly usage: UsageRepository,
  ) {}

  async report(principal: Principal, query: UsageQueryDto): Promise<UsageReportDto> {
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000;
    if (days < 0) throw validationFailed([{ field: 'to', message: 'to must not be before from' }]);
    if (days >= MAX_RANGE_DAYS) throw validationFailed([{ field: 'to', message: `to must be within ${MAX_RANGE_DAYS} days of from` }]);
    const db = this.db.manager;
    if (query.agentId === undefined && !principal.isOrgAdmin) throw validationFailed([{ field: 'agentId', message: 'agentId is required unless you are an org admin' }]);
    if (query.agentId !== undefined) await this.gate.read(db, principal, { id: query.agentId }, 'use');
    const groups = await this.usage.report(db, { orgId: principal.orgId, from: query.from, to: query.to, groupBy: query.groupBy, agentIds: query.agentId === undefined ? undefined : [query.agentId] });
    return { from: query.from, to: query.to, groupBy: query.groupBy, groups, total: sumOf(groups) };
  }
}

function sumOf(groups: UsageGroupRow[]): UsageGroupRow {
  const total: UsageGroupRow = { key: 'total', inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: 0, events: 0 };
  for (const group of groups) {
    total.inputTokens += group.inputTokens;
    total.outputTokens += group.outputTokens;
    total.cachedTokens += group.cachedTokens;
    total.reasoningTokens += group.reasoningTokens;
    total.costUsd += group.costUsd;
    total.events += group.events;
  }
  total.costUsd = Math.round(total.costUsd * 1e6) / 1e6;
  return total;
}
