// The command lines of detect, embed, verify, eval-lfw, calibrate, compare, train-demo, fine-tune, tsne.
#include "app.hpp"

namespace arcface::cli {

void add_face_commands(CLI::App& app, Request& r, CommandTable& table) {
  auto* detect = app.add_subcommand("detect", "detect faces and landmarks in an image");
  detect->add_option("image", r.detect.image, "image file")->required();
  detect->add_option("-o,--output", r.detect.output, "write the image with boxes, scores and landmarks drawn");
  detect->add_flag("--json", r.detect.as_json, "print JSON");
  table.emplace_back(detect, Command::Detect);

  auto* embed = app.add_subcommand("embed", "embed every face of the images into a .npy file");
  embed->add_option("images", r.embed.images, "image files or directories (searched recursively)")->required();
  embed->add_option("-o,--output", r.embed.output, "output .npy (rows = faces); a .json side file names each row")
      ->required();
  embed->add_flag("--largest", r.embed.largest, "only the largest face of each image");
  table.emplace_back(embed, Command::Embed);

  VerifyArgs& v = r.verify;
  auto* verify = app.add_subcommand("verify", "are the (largest) faces of two images the same person?");
  verify->add_option("image1", v.image1, "first image")->required();
  verify->add_option("image2", v.image2, "second image")->required();
  verify->add_option("--threshold", v.threshold, "cosine threshold (default: the model's calibrated one)");
  verify->add_flag("--json", v.as_json, "print JSON (also when an image has no face)");
  verify->add_flag("--exit-code", v.exit_code, "exit 0 when the faces are the same person, 3 when different");
  table.emplace_back(verify, Command::Verify);

  EvalArgs& ev = r.eval;
  auto* eval = app.add_subcommand("eval-lfw", "LFW verification accuracy, ROC, EER, TAR@FAR");
  eval->add_option("--pairs", ev.pairs, "pair file: pairs.txt (10 folds) or pairsDevTest.txt")->required();
  eval->add_option("--images", ev.images, "LFW image directory (NAME/NAME_NNNN.jpg)")->required();
  eval->add_option("--train-pairs", ev.train_pairs, "View 1: choose the threshold on these pairs (pairsDevTrain.txt)");
  eval->add_option("--roc", ev.roc, "write the ROC curve (log-scale FAR) to this PNG");
  eval->add_option("--json", ev.json_out, "write the full report as JSON");
  eval->add_option("--cache", ev.cache, "embedding cache file (default: ~/.cache/arcface/...; 'none' disables)");
  eval->add_flag("--skip-missing", ev.skip_missing, "drop pairs whose image is missing instead of failing");
  table.emplace_back(eval, Command::EvalLfw);

  CalibrateArgs& cal = r.calibrate;
  auto* calibrate = app.add_subcommand("calibrate", "measure thresholds on LFW pairs and store them in the model");
  calibrate->add_option("--pairs", cal.eval.pairs, "training pairs (pairsDevTrain.txt)")->required();
  calibrate->add_option("--images", cal.eval.images, "LFW image directory")->required();
  calibrate->add_option("--far", cal.far, "also record the threshold at this false accept rate");
  calibrate->add_option("-o,--output", cal.output,
                        "write a calibrated copy of the model here (default: update the model file)");
  calibrate->add_option("--cache", cal.eval.cache, "embedding cache file ('none' disables)");
  calibrate->add_flag("--skip-missing", cal.eval.skip_missing, "drop pairs whose image is missing");
  table.emplace_back(calibrate, Command::Calibrate);

  CompareArgs& c = r.compare;
  auto* compare = app.add_subcommand("compare", "similarity grid of the faces of images or directories (the article's table)");
  compare->add_option("inputs", c.inputs, "images or directories (recursive; a directory name is the identity label)")
      ->required();
  compare->add_option("-o,--output", c.output, "grid picture (.png)")->required();
  compare->add_option("--csv", c.csv, "also write the similarity matrix as CSV");
  compare->add_flag("--json", c.as_json, "print faces and matrix as JSON");
  compare->add_flag("--no-clip", c.no_clip, "colour scale over [-1, 1] instead of the article's [0, 1]");
  compare->add_flag("--all-faces", c.all_faces, "every face of each image (default: the largest)");
  compare->add_flag("--sort", c.sort, "order faces by identity label");
  table.emplace_back(compare, Command::Compare);

  TrainDemoArgs& td = r.train_demo;
  auto* demo = app.add_subcommand("train-demo", "the article's 2-D picture: softmax vs ArcFace on 8 LFW identities");
  demo->add_option("-o,--output", td.output, "picture (.png)")->required();
  demo->add_option("--images", td.images, "NAME/ folders of photos (default: ../shared LFW View 1 deep-funnelled)");
  demo->add_option("--json", td.json_out, "write the numbers as JSON");
  demo->add_option("--cache", td.cache, "embedding cache file");
  demo->add_option("--identities", td.identities, "identities with the most photos")->check(CLI::Range(2, 30));
  demo->add_option("--epochs", td.epochs, "full-batch training steps")->check(CLI::PositiveNumber);
  demo->add_option("--lr", td.learning_rate, "Adam learning rate (cosine schedule)")->check(CLI::PositiveNumber);
  demo->add_option("--scale", td.scale, "ArcFace scale s")->check(CLI::PositiveNumber);
  demo->add_option("--margin", td.margin, "ArcFace additive angular margin m (radians)")->check(CLI::Range(0.0, 1.5));
  demo->add_option("--seed", td.seed, "initialisation seed");
  table.emplace_back(demo, Command::TrainDemo);

  FineTuneArgs& ft = r.fine_tune;
  auto* fine = app.add_subcommand("fine-tune", "train the embedder's network with a margin head on DIR/identity/ photos");
  fine->add_option("data", ft.data, "folder of identity sub-folders")->required();
  fine->add_option("-o,--output", ft.output, "trained embedder (.pt)")->required();
  fine->add_option("--name", ft.name, "model name in its metadata (default: <embedder>-finetuned)");
  fine->add_option("--head", ft.head, "margin head")->check(CLI::IsMember({"arcface", "cosface", "sphereface", "combined", "softmax"}));
  fine->add_option("--epochs", ft.epochs, "passes over the photos")->check(CLI::PositiveNumber);
  fine->add_option("--batch", ft.batch, "crops per step")->check(CLI::PositiveNumber);
  fine->add_option("--lr", ft.learning_rate, "Adam learning rate (cosine schedule)")->check(CLI::PositiveNumber);
  fine->add_option("--scale", ft.scale, "head scale s")->check(CLI::PositiveNumber);
  fine->add_option("--margin", ft.margin, "head margin m (default: the head's usual one)");
  fine->add_option("--json", ft.json_out, "write the report as JSON");
  table.emplace_back(fine, Command::FineTune);

  TsneArgs& t = r.tsne;
  auto* tsne = app.add_subcommand("tsne", "2-D t-SNE map of the faces, drawn at their positions");
  tsne->add_option("inputs", t.inputs, "images or directories (a directory name is the identity label)")->required();
  tsne->add_option("-o,--output", t.output, "map picture (.png)")->required();
  tsne->add_option("--csv", t.csv, "also write the coordinates as CSV");
  tsne->add_option("--perplexity", t.perplexity, "effective number of neighbours (clamped to (N-1)/3)")
      ->check(CLI::PositiveNumber);
  tsne->add_option("--seed", t.seed, "random seed (same seed, same map)");
  tsne->add_option("--iterations", t.iterations, "gradient steps")->check(CLI::PositiveNumber);
  table.emplace_back(tsne, Command::Tsne);
}

}  // namespace arcface::cli
