export class StatusMessageDto {
  /** @example Praetorian DB-Forge is online. */
  message!: string;
}
