import { Global, Module } from '@nestjs/common';
import { ErrorFormats } from './error-formats';

/** Global, so a module with routes of its own format can register it without the app knowing. */
@Global()
@Module({ providers: [ErrorFormats], exports: [ErrorFormats] })
export class ErrorsModule {}
