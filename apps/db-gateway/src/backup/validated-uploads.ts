import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { copyFile } from 'node:fs/promises';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { DatabaseFileValidator } from './database-file.validator';
import { TempFiles } from './temp-files';
import { UPLOAD_MEDIA_TYPES, UploadKind, UploadSource, charsetOf, mediaTypeOf, spawnUploadKindOf, uploadKindOf } from './upload-source';
import { receiveUpload } from './upload-stream';

/**
 * Turns an upload (a SQLite file or an SQL dump) or a snapshot into a validated database file in the
 * scratch directory: received to disk (never held in memory), checked completely (header, integrity,
 * a write probe; a dump replayed into a fresh file). Whoever asked installs the file; it is gone afterwards.
 */
@Injectable()
export class ValidatedUploads {
  constructor(
    private readonly temp: TempFiles,
    private readonly validator: DatabaseFileValidator,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * Whether a spawn request carries an upload: a body of an upload media type (a SQLite file, or
   * `application/sql`); no body, JSON, `text/plain` or anything else is exactly the v1 spawn, which ignores the body.
   */
  isSpawnUpload(source: UploadSource): boolean {
    return source.hasBody && spawnUploadKindOf(source.contentType) !== undefined;
  }

  /** The kind of an upload, or UNSUPPORTED_MEDIA_TYPE (before any of the body is read). */
  kindOf(source: UploadSource): UploadKind {
    const kind = uploadKindOf(source.contentType);
    if (!kind) {
      const shown = mediaTypeOf(source.contentType) || 'none';
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Unsupported content type (${shown}) for an upload; use one of: ${UPLOAD_MEDIA_TYPES.join(', ')}.`);
    }
    const encoding = source.contentEncoding.trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${encoding} is not accepted for an upload; send the file as it is.`);
    }
    const charset = charsetOf(source.contentType);
    if (kind === 'sql' && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `An SQL dump must be UTF-8, not ${charset}.`);
    }
    return kind;
  }

  /** Receives the body (at most DBFORGE_MAX_RESTORE_BYTES), validates it and runs `install` with the validated file. */
  receive<T>(source: UploadSource, kind: UploadKind, install: (validated: string) => Promise<T>): Promise<T> {
    return this.temp.scoped(async (paths) => {
      const upload = await paths('upload', kind === 'sql' ? '.sql' : '.db');
      await receiveUpload(source, upload, this.config.maxRestoreBytes);
      if (kind === 'file') {
        await this.validator.validateFile(upload);
        return install(upload);
      }
      const built = await paths('from-dump');
      await this.validator.buildFromDump(upload, built);
      return install(built);
    });
  }

  /** Runs `produce` to write a database file (a replica restored), validates it and runs `install` with it. */
  fromProduced<T>(label: string, produce: (file: string) => Promise<void>, install: (validated: string) => Promise<T>): Promise<T> {
    return this.temp.scoped(async (paths) => {
      const file = await paths('produced', '.db');
      await produce(file);
      await this.validator.validateFile(file, label);
      return install(file);
    });
  }

  /** Validates a copy of the snapshot file `snapshot` (`id` of database `name`) and runs `install` with it. */
  fromSnapshot<T>(name: string, id: string, snapshot: string, install: (validated: string) => Promise<T>): Promise<T> {
    return this.temp.scoped(async (paths) => {
      const copy = await paths('snapshot');
      try {
        await copyFile(snapshot, copy);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new DomainError(ErrorCode.SNAPSHOT_NOT_FOUND, `Snapshot ${JSON.stringify(id)} of database '${name}' not found.`);
        }
        throw error;
      }
      await this.validator.validateFile(copy, `Snapshot ${id}`);
      return install(copy);
    });
  }
}
