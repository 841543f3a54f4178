export class CreateTableResponseDto {
  /** @example Table 'users' created successfully. */
  message!: string;
}
