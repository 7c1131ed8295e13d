import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BuildRecipe, ImageSource } from '@ami/contracts';

export interface FamilyRecipe {
  family: string;
  specVersion: number;
  source: ImageSource;
  recipe: BuildRecipe | null;
  recipeDigest: string | null;
}

/** The builder's slice of each family spec, and what it knows of other families' images. */
@Injectable()
export class FamilyRecipesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async get(family: string, tx: EntityManager = this.db.manager): Promise<FamilyRecipe | null> {
    const rows = await tx.query('SELECT * FROM builder.family_recipes WHERE family = $1', [family]);
    const r = rows[0];
    return r
      ? {
          family: r.family,
          specVersion: r.spec_version,
          source: r.source,
          recipe: r.recipe,
          recipeDigest: r.recipe_digest,
        }
      : null;
  }

  async save(tx: EntityManager, recipe: FamilyRecipe): Promise<void> {
    await tx.query(
      `INSERT INTO builder.family_recipes (family, spec_version, source, recipe, recipe_digest) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (family) DO UPDATE SET spec_version = EXCLUDED.spec_version, source = EXCLUDED.source,
         recipe = EXCLUDED.recipe, recipe_digest = EXCLUDED.recipe_digest, updated_at = now()
       WHERE builder.family_recipes.spec_version < EXCLUDED.spec_version`,
      [
        recipe.family,
        recipe.specVersion,
        JSON.stringify(recipe.source),
        recipe.recipe ? JSON.stringify(recipe.recipe) : null,
        recipe.recipeDigest,
      ],
    );
  }

  async pointChannel(
    tx: EntityManager,
    family: string,
    channel: string,
    version: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO builder.channel_pointers (family, channel, version) VALUES ($1, $2, $3)
       ON CONFLICT (family, channel) DO UPDATE SET version = EXCLUDED.version`,
      [family, channel, version],
    );
  }

  async rememberImage(
    tx: EntityManager,
    family: string,
    version: string,
    region: string,
    imageId: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO builder.known_images (family, version, region, image_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (family, version, region) DO UPDATE SET image_id = EXCLUDED.image_id`,
      [family, version, region, imageId],
    );
  }

  /** The image a family's channel points at in a region, as far as the builder has heard. */
  async channelImage(
    family: string,
    channel: string,
    region: string,
  ): Promise<{ version: string; imageId: string | null } | null> {
    const rows = await this.db.query(
      `SELECT p.version, k.image_id FROM builder.channel_pointers p
       LEFT JOIN builder.known_images k ON k.family = p.family AND k.version = p.version AND k.region = $3
       WHERE p.family = $1 AND p.channel = $2`,
      [family, channel, region],
    );
    return rows[0] ? { version: rows[0].version, imageId: rows[0].image_id } : null;
  }
}
