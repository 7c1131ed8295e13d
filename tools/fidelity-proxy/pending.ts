// Images created through the proxy (CreateImage, CopyImage, RegisterImage). moto makes
// every image "available" at once; EC2 keeps it "pending" for minutes, so the proxy
// reports "pending" until pendingMs has passed since creation. CopyImage's source is kept
// too, because moto does not report sourceImageId / sourceImageRegion.
import { scopeKey, type Scope } from './ec2-request.js';

export interface CreatedImage {
  imageId: string;
  createdAt: number;
  sourceImageId?: string;
  sourceRegion?: string;
}

export class CreatedImages {
  private readonly images = new Map<string, CreatedImage>();

  constructor(private readonly now: () => number) {}

  record(scope: Scope, image: Omit<CreatedImage, 'createdAt'>): void {
    this.images.set(this.key(scope, image.imageId), { ...image, createdAt: this.now() });
  }

  get(scope: Scope, imageId: string): CreatedImage | undefined {
    return this.images.get(this.key(scope, imageId));
  }

  isPending(scope: Scope, imageId: string, pendingMs: number): boolean {
    const image = this.get(scope, imageId);
    return image !== undefined && this.now() - image.createdAt < pendingMs;
  }

  forget(scope: Scope, imageId: string): void {
    this.images.delete(this.key(scope, imageId));
  }

  reset(): void {
    this.images.clear();
  }

  private key(scope: Scope, imageId: string): string {
    return `${scopeKey(scope)}/${imageId}`;
  }
}
