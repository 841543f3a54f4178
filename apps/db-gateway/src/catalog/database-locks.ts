import { Injectable } from '@nestjs/common';
import { KeyedMutex } from '../common/keyed-mutex';

/** One lock per database name, shared by spawn, prune and reconciliation so they never interleave. */
@Injectable()
export class DatabaseLocks extends KeyedMutex {}
