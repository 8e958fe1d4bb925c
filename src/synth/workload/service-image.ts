/** Where the stage pulls the service image from: the gated repository, by immutable tag. */
export interface ServiceImage {
  /** ARN of the ECR repository (in the pipeline account) holding gated images. */
  readonly repositoryArn: string;
  /** Name of that repository. */
  readonly repositoryName: string;
  /**
   * Immutable tag of the image to run. Only images that passed both supply-chain gates
   * carry this tag (the gate step adds it after the scans pass).
   */
  readonly tag: string;
}
