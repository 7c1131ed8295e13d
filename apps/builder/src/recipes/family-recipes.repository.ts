import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BuildRecipe, ImageSource } from '@ami/contracts';
import { returnedRows } from '@ami/persistence';

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

  /**
   * Points a channel at a version unless the pointer holds a later move: by the moves'
   * sequence in the channel's history when both have one, else by the events' time. Returns
   * whether the move was taken.
   */
  async pointChannel(
    tx: EntityManager,
    move: { family: string; channel: string; version: string; sequence?: number; at: string },
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO builder.channel_pointers AS p (family, channel, version, sequence, moved_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (family, channel) DO UPDATE SET
         version = EXCLUDED.version, sequence = EXCLUDED.sequence, moved_at = EXCLUDED.moved_at
       WHERE CASE WHEN p.sequence IS NOT NULL AND EXCLUDED.sequence IS NOT NULL THEN EXCLUDED.sequence > p.sequence
                  ELSE p.moved_at IS NULL OR EXCLUDED.moved_at > p.moved_at END
       RETURNING version`,
      [move.family, move.channel, move.version, move.sequence ?? null, move.at],
    );
    return returnedRows(result).length > 0;
  }

  /**
   * Remembers a version's image in a region unless a later fact (by the time it was written,
   * `at`, now if not given) already named one. Returns whether it was taken.
   */
  async rememberImage(
    tx: EntityManager,
    family: string,
    version: string,
    region: string,
    imageId: string,
    at: string = new Date().toISOString(),
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO builder.known_images AS k (family, version, region, image_id, fact_time) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (family, version, region) DO UPDATE SET image_id = EXCLUDED.image_id, fact_time = EXCLUDED.fact_time
       WHERE k.fact_time IS NULL OR EXCLUDED.fact_time > k.fact_time
       RETURNING image_id`,
      [family, version, region, imageId, at],
    );
    return returnedRows(result).length > 0;
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
