// The chosen dataset's profile (`profile_dataset`): what the Profile and
// Correlations tabs draw, each asking for it when it opens.

import { useEffect, useState } from "preact/hooks";
import type { DatasetProfile } from "../../api/types";
import { call } from "../../api/client";
import { failureOf, type Failure } from "../../components/ApiError";

export function useProfile(dataset: string): { profile: DatasetProfile | null; error: Failure | null } {
  const [profile, setProfile] = useState<DatasetProfile | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  useEffect(() => {
    setProfile(null);
    call("profile_dataset", { dataset })
      .then(setProfile)
      .catch((e: unknown) => setError(failureOf(e)));
  }, [dataset]);
  return { profile, error };
}
