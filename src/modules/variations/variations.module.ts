import { Module } from '@nestjs/common';
import { VariationsRepository } from './variations.repository';

/** Variation storage and rules; the agent use cases that change variations live in the agents module. */
@Module({ providers: [VariationsRepository], exports: [VariationsRepository] })
export class VariationsModule {}
